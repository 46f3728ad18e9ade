import { describePartnerContract } from './partner-contract';

describePartnerContract('honeybook-zapier', { rejection: { status: 422, body: { status: 'error' } } });
