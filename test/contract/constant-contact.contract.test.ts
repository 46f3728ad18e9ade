import { ccError } from '../support/fakes/constant-contact-fake';
import { describePartnerContract } from './partner-contract';

describePartnerContract('constant-contact', { rejection: ccError(400, 'contacts.api.validation.error', 'list_memberships holds an unknown list id') });
