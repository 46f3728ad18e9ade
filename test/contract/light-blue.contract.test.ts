import { describePartnerContract } from './partner-contract';

// Light Blue refuses inside a 200: `-3` is a bad type or no valid parameter.
describePartnerContract('light-blue', { rejection: { status: 200, body: '-3' } });
