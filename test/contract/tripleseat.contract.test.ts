import { describePartnerContract } from './partner-contract';

describePartnerContract('tripleseat', { rejection: { status: 422, body: { error: 'guest_count is not a number', status: 422 } } });
