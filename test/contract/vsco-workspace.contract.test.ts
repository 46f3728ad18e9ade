import { describePartnerContract } from './partner-contract';

describePartnerContract('vsco-workspace', { rejection: { status: 400, body: { type: 'validation-error', title: 'Validation Error', status: 400 } }, connectionOptions: { createOnFirstSync: true } });
