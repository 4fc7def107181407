import { describeChannelConformance } from '../../connectors/conformance/channel-conformance';
import { connectorHarness } from '../support/twilio-conformance-harness';

describe('Twilio connector conformance (router + in-memory sink + local stub)', () => {
  describeChannelConformance(connectorHarness('sms'));
  describeChannelConformance(connectorHarness('whatsapp'));
  describeChannelConformance(connectorHarness('voice'));
});
