import { describeChannelConformance } from '../../connectors/conformance/channel-conformance';
import { wechatConnectorHarness, wechatHubHarness } from '../support/wechat-harness';

describe('WeChat Official Account connector conformance', function () {
  this.timeout(60_000);
  describeChannelConformance(wechatConnectorHarness('aes'));
  describeChannelConformance(wechatConnectorHarness('plain'));
  describeChannelConformance(wechatHubHarness());
});
