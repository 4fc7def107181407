import { describeChannelConformance } from '../../connectors/conformance/channel-conformance';
import { metaConnectorHarness, metaHubHarness } from '../support/meta-harness';

describe('Meta connector conformance (Messenger, Instagram, WhatsApp Cloud)', function () {
  this.timeout(60_000);
  for (const kind of ['messenger', 'instagram', 'whatsapp'] as const) {
    describeChannelConformance(metaConnectorHarness(kind));
    describeChannelConformance(metaHubHarness(kind));
  }
});
