/**
 * The social part of the customer simulator CLI (scripts/simulate.ts): plays a customer on Telegram,
 * WeChat, Messenger, Instagram or WhatsApp Cloud against a running hub, through the same stubs the hub
 * uses in demo mode, so every request is signed (and, for WeChat, encrypted) exactly as the provider would.
 * Credentials come from the environment (the hub's own variables), else the demo values of the embedded
 * default. Replies the hub sends go to the hub's built-in stub: see them at /simulator/<telegram|wechat|meta>.
 */
import { SOCIAL_DEMO_ACCOUNTS } from '../server/config';
import { createMetaStub, DEMO_INSTAGRAM_ID, DEMO_PAGE_ID } from '../connectors/meta';
import { createTelegramStub } from '../connectors/telegram';
import { createWechatStub } from '../connectors/wechat';

export const SOCIAL_COMMANDS = ['telegram', 'wechat', 'messenger', 'instagram', 'whatsapp-cloud'] as const;

const env = (name: keyof typeof SOCIAL_DEMO_ACCOUNTS): string =>
  process.env[name] || SOCIAL_DEMO_ACCOUNTS[name];

/** Sends one customer message; resolves with the process exit code. */
export async function simulateSocial(input: {
  command: string;
  hub: string;
  from?: string;
  text: string;
}): Promise<number> {
  const text = input.text || '您好，我想咨询一下。';
  let status: number;
  let panel: string;
  switch (input.command) {
    case 'telegram': {
      const userId = Number(input.from ?? '777000111');
      if (!Number.isSafeInteger(userId) || userId <= 0)
        throw new Error('--from must be a Telegram user id (digits)');
      const stub = createTelegramStub({
        botToken: env('TELEGRAM_BOT_TOKEN'),
        webhookSecret: env('TELEGRAM_WEBHOOK_SECRET'),
        deliverTo: input.hub,
      });
      status = (await stub.sendText({ userId, text, firstName: 'Simulated' })).status;
      panel = 'telegram';
      break;
    }
    case 'wechat': {
      const stub = createWechatStub({
        appId: env('WECHAT_APP_ID'),
        appSecret: env('WECHAT_APP_SECRET'),
        token: env('WECHAT_TOKEN'),
        encodingAesKey: env('WECHAT_ENCODING_AES_KEY'),
        deliverTo: input.hub,
      });
      status = (await stub.sendText({ openId: input.from ?? 'oDemoOpenId_wangxiaoming', text })).status;
      panel = 'wechat';
      break;
    }
    default: {
      const stub = createMetaStub({
        appSecret: env('META_APP_SECRET'),
        accessToken: env('META_PAGE_ACCESS_TOKEN'),
        pageId: DEMO_PAGE_ID,
        instagramId: DEMO_INSTAGRAM_ID,
        phoneNumberId: env('WHATSAPP_PHONE_NUMBER_ID'),
        deliverTo: input.hub,
        statusDelayMs: 0,
      });
      const from = input.from ?? '8613800138000';
      const delivery =
        input.command === 'messenger'
          ? await stub.sendMessenger({ psid: from, text })
          : input.command === 'instagram'
            ? await stub.sendInstagram({ igsid: from, text })
            : await stub.sendWhatsApp({ waId: from.replace(/\D/g, ''), text, name: 'Simulated' });
      status = delivery.status;
      panel = 'meta';
    }
  }
  process.stdout.write(
    `${input.command}: the hub answered ${status}; replies show at ${input.hub}/simulator/${panel}/\n`,
  );
  return status >= 200 && status < 300 ? 0 : 1;
}
