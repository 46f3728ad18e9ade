import { mailchimpProblem } from '../support/fakes/mailchimp-fake';
import { describePartnerContract } from './partner-contract';

// Invalid merge fields are the audience's rule, not the person's: Mailchimp lists them in `errors`.
const rejection = mailchimpProblem(400, 'Invalid Resource', 'Your merge fields were invalid.');
describePartnerContract('mailchimp', { rejection: { ...rejection, body: { ...(rejection.body as object), errors: [{ field: 'FNAME', message: 'Please enter a value' }] } } });
