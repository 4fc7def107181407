/**
 * The demo's outbound mail catcher: an in-process SMTP server (smtp-server) that accepts what the hub
 * sends and keeps the latest mails, parsed, for the customer simulator to show. Never used with a real
 * SMTP relay configured.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CaughtMail {
  id: number;
  receivedAt: string;
  envelopeTo: string[];
  from: string;
  to: string;
  replyTo: string | null;
  subject: string;
  text: string;
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  autoSubmitted: string | null;
}

export interface MailCatcher {
  url: string;
  mails(): CaughtMail[];
  close(): Promise<void>;
}

const KEEP = 200;

export async function startMailCatcher(options: { host?: string } = {}): Promise<MailCatcher> {
  const mails: CaughtMail[] = [];
  let next = 1;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 30 * 1024 * 1024,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          const refs = mail.references;
          mails.push({
            id: next++,
            receivedAt: new Date().toISOString(),
            envelopeTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            from: mail.from?.text ?? '',
            to: Array.isArray(mail.to) ? mail.to.map((to) => to.text).join(', ') : (mail.to?.text ?? ''),
            replyTo: mail.replyTo?.value[0]?.address ?? null,
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            messageId: mail.messageId ?? null,
            inReplyTo: mail.inReplyTo ?? null,
            references: Array.isArray(refs) ? refs : refs ? [refs] : [],
            autoSubmitted: (mail.headers.get('auto-submitted') as string | undefined) ?? null,
          });
          if (mails.length > KEEP) mails.splice(0, mails.length - KEEP);
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://${host}:${port}`,
    mails: () => [...mails],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
