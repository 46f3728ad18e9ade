import { describePartnerContract } from './partner-contract';

describePartnerContract('venue-webhook', { rejection: { status: 422, body: { error: 'unprocessable' } } });
