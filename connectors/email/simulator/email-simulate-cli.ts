/**
 * `npm run simulate -- email --from li.wei@example.com --subject "宽带断了" --text "…"`: plays a customer
 * who sends a mail to the demo inbox over SMTP (the hub's listener, SMTP_INBOUND_PORT), then waits for the
 * agent's answer in the demo catcher (`/simulator/email/outbox.json`) and prints it.
 */
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';
import { EMAIL_DEMO_ACCOUNT } from '../../../server/config';
import { composeMail } from './email-simulator.routes';

const usage = `usage: npm run simulate -- email --from li.wei@example.com [--name "李伟"] --subject "…" --text "…"
       [--to support@demo.omnihub] [--smtp-host 127.0.0.1] [--smtp-port 2525] [--hub http://localhost:3000] [--wait 60]`;

interface CaughtMail {
  to: string;
  subject: string;
  text: string;
  receivedAt: string;
  replyTo: string | null;
}

/** `env`: the caller's environment (scripts read it; connectors never do). */
export async function runEmailSimulatorCli(
  argv: string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      from: { type: 'string' },
      name: { type: 'string' },
      subject: { type: 'string', default: '' },
      text: { type: 'string' },
      to: { type: 'string' },
      'smtp-host': { type: 'string' },
      'smtp-port': { type: 'string' },
      hub: { type: 'string' },
      wait: { type: 'string', default: '60' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.from || !values.text) {
    process.stderr.write(`${usage}\n`);
    return values.help ? 0 : 2;
  }
  const to = values.to ?? env.EMAIL_INBOX_ADDRESS ?? EMAIL_DEMO_ACCOUNT.EMAIL_INBOX_ADDRESS;
  const host = values['smtp-host'] ?? (env.HOST && env.HOST !== '0.0.0.0' ? env.HOST : '127.0.0.1');
  const port = Number(values['smtp-port'] ?? env.SMTP_INBOUND_PORT ?? 2525);
  const hub = (values.hub ?? env.PUBLIC_URL ?? `http://localhost:${env.PORT ?? '3000'}`).replace(/\/+$/, '');
  const raw = await composeMail({
    from: values.from,
    ...(values.name ? { name: values.name } : {}),
    to,
    subject: values.subject,
    text: values.text,
  });
  const started = new Date();
  const transport = nodemailer.createTransport({ host, port, secure: false, ignoreTLS: true });
  try {
    await transport.sendMail({ envelope: { from: values.from, to: [to] }, raw });
  } finally {
    transport.close();
  }
  process.stdout.write(`✉ sent to ${to} over SMTP ${host}:${port} (accepted: the hub stored it)\n`);
  const waitMs = Number(values.wait) * 1000;
  if (!waitMs) return 0;
  process.stdout.write(`… waiting up to ${values.wait}s for an answer (answer it in ${hub}/app/)\n`);
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    const response = await fetch(`${hub}/simulator/email/outbox.json`).catch(() => null);
    if (response?.ok) {
      const { items } = (await response.json()) as { items: CaughtMail[] };
      const answer = items.find(
        (mail) =>
          mail.to.toLowerCase().includes(values.from!.toLowerCase()) && new Date(mail.receivedAt) >= started,
      );
      if (answer) {
        process.stdout.write(
          `↩ ${answer.subject}\n   Reply-To: ${answer.replyTo ?? '-'}\n\n${answer.text}\n`,
        );
        return 0;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  process.stdout.write('no answer yet; the outbox is at /simulator/email\n');
  return 0;
}
