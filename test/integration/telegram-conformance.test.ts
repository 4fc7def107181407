import { describeChannelConformance } from '../../connectors/conformance/channel-conformance';
import { telegramConnectorHarness, telegramHubHarness } from '../support/telegram-harness';

describe('Telegram connector conformance', function () {
  this.timeout(60_000);
  describeChannelConformance(telegramConnectorHarness());
  describeChannelConformance(telegramHubHarness());
});
