/**
 * The one list of channel plug-ins. Adding a channel is its folder under `connectors/` and one line here;
 * the hub builds every plug-in in this order (see `ConnectorPlugin` in ./channel.ts).
 */
import type { ConnectorPlugin } from './channel';
import { twilioPlugin } from './twilio/twilio-plugin';
import { webchatPlugin } from './webchat/webchat-plugin';
import { telegramPlugin } from './telegram/telegram-plugin';
import { wechatPlugin } from './wechat/wechat-plugin';
import { metaPlugin } from './meta/meta-plugin';
import { emailPlugin } from './email/email-plugin';

export const CONNECTOR_PLUGINS: readonly ConnectorPlugin[] = [
  twilioPlugin,
  telegramPlugin,
  wechatPlugin,
  metaPlugin,
  emailPlugin,
  webchatPlugin,
];
