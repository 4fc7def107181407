/**
 * The customer simulator (CLI): plays a customer on SMS, WhatsApp or the phone against a running hub, by
 * sending the correctly signed webhooks Twilio would send (no Twilio account needed).
 *
 *   npm run simulate -- sms --from +8613800138000 --text "您好，我的宽带又断了"
 *   npm run simulate -- whatsapp --from +8613800138000 --text "Hello" [--image https://…/photo.png]
 *   npm run simulate -- call --from +8613800138000 --digits 1 [--lang en] [--voicemail "请回电"]
 *
 * `--digits` are the main-menu keys (1 complaint, 2 enquiry, 3 suggestion, 0 other); the language key is
 * pressed first from `--lang` (zh → 2, en → 1) unless you give both keys yourself (`--digits 21`).
 * Options: `--hub` (where the hub listens; default PUBLIC_URL or http://localhost:$PORT), `--public-url`
 * (the URL signatures are computed for; default the hub URL), `--to` (our number), and the account:
 * TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN from the environment, else the demo account the hub uses on the
 * embedded default.
 */
import { parseArgs } from 'node:util';
import { TWILIO_DEMO_ACCOUNT } from '../server/config';
import { createTwilioStub } from '../connectors/twilio/stub/twilio-stub';
import { simulateSocial, SOCIAL_COMMANDS } from './simulate-social';
import { runEmailSimulatorCli } from '../connectors/email/simulator/email-simulate-cli';

const usage = `usage: npm run simulate -- <sms|whatsapp|call> --from +8613800138000 [--text "…"] [--digits 1] [--lang zh|en]
       [--voicemail "…"] [--image URL] [--to +1…] [--hub http://localhost:3000] [--public-url URL]
       npm run simulate -- <telegram|wechat|messenger|instagram|whatsapp-cloud> [--from <customer id>] --text "…"`;

async function main(): Promise<number> {
  // Email has its own options (connectors/email/simulator/email-simulate-cli.ts).
  if (process.argv[2] === 'email') return runEmailSimulatorCli(process.argv.slice(3), process.env);
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      text: { type: 'string', default: '' },
      image: { type: 'string' },
      digits: { type: 'string', default: '' },
      lang: { type: 'string', default: 'zh' },
      voicemail: { type: 'string' },
      'hang-up-after': { type: 'string' },
      hub: { type: 'string' },
      'public-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  // Telegram, WeChat, Messenger, Instagram and WhatsApp Cloud (scripts/simulate-social.ts).
  if (command && (SOCIAL_COMMANDS as readonly string[]).includes(command)) {
    const socialHub = (
      values.hub ??
      process.env.PUBLIC_URL ??
      `http://localhost:${process.env.PORT ?? '3000'}`
    ).replace(/\/+$/, '');
    return simulateSocial({
      command,
      hub: socialHub,
      ...(values.from ? { from: values.from } : {}),
      text: values.text,
    });
  }
  if (values.help || !command || !['sms', 'whatsapp', 'call'].includes(command) || !values.from) {
    process.stderr.write(`${usage}\n`);
    return values.help ? 0 : 2;
  }
  if (!/^\+[1-9]\d{6,14}$/.test(values.from)) {
    process.stderr.write(`--from must be an E.164 number such as +8613800138000\n`);
    return 2;
  }
  const hub = (
    values.hub ??
    process.env.PUBLIC_URL ??
    `http://localhost:${process.env.PORT ?? '3000'}`
  ).replace(/\/+$/, '');
  const publicUrl = (values['public-url'] ?? process.env.PUBLIC_URL ?? hub).replace(/\/+$/, '');
  const stub = createTwilioStub({
    accountSid: process.env.TWILIO_ACCOUNT_SID ?? TWILIO_DEMO_ACCOUNT.TWILIO_ACCOUNT_SID,
    authToken: process.env.TWILIO_AUTH_TOKEN ?? TWILIO_DEMO_ACCOUNT.TWILIO_AUTH_TOKEN,
    publicUrl,
    deliverTo: hub,
    baseUrl: `${hub}/twilio-stub`,
    phoneNumber: values.to ?? process.env.TWILIO_PHONE_NUMBER ?? TWILIO_DEMO_ACCOUNT.TWILIO_PHONE_NUMBER,
    whatsappNumber:
      values.to ?? process.env.TWILIO_WHATSAPP_NUMBER ?? TWILIO_DEMO_ACCOUNT.TWILIO_WHATSAPP_NUMBER,
  });

  try {
    if (command === 'call') {
      const menu = values.digits.split('');
      const digits = menu.length >= 2 ? menu : [values.lang.startsWith('en') ? '1' : '2', ...menu];
      process.stdout.write(`calling ${hub} from ${values.from}, keys ${digits.join(' ')} …\n`);
      const result = await stub.placeInboundCall({
        from: values.from,
        digits,
        pauseScaleMs: 1000,
        ...(values.voicemail ? { voicemailText: values.voicemail } : {}),
        ...(values['hang-up-after'] ? { hangUpAfterQueueSeconds: Number(values['hang-up-after']) } : {}),
      });
      for (const said of result.said) process.stdout.write(`  🔊 [${said.language}] ${said.text}\n`);
      if (result.dialed) process.stdout.write(`  ☎ connected to ${JSON.stringify(result.dialed)}\n`);
      if (result.recordingSid) process.stdout.write(`  ⏺ voicemail ${result.recordingSid}\n`);
      process.stdout.write(
        `call ${result.callSid} ended after ${result.durationSec}s (waited ${result.queueSeconds}s)\n`,
      );
      if (result.error) {
        process.stderr.write(`the hub refused a step: ${result.error}\n`);
        return 1;
      }
      return 0;
    }
    const delivery = await stub.sendInboundMessage({
      channel: command === 'whatsapp' ? 'whatsapp' : 'sms',
      from: values.from,
      body: values.text,
      ...(values.image ? { media: [{ url: values.image, contentType: 'image/png' }] } : {}),
    });
    process.stdout.write(`${command} ${delivery.messageSid} → hub answered ${delivery.status}\n`);
    if (delivery.status !== 200) process.stderr.write(`${delivery.body}\n`);
    return delivery.status === 200 ? 0 : 1;
  } catch (error) {
    process.stderr.write(`could not reach the hub at ${hub}: ${(error as Error).message}\n`);
    return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  },
);
