/**
 * The SMTP listener for direct inbound mail (smtp-server). Recipients are routed per inbox at RCPT (an
 * unknown one is refused with 550, so the sending server bounces at once); the message is answered 250
 * only after it is durable (the sink resolved), 451 when storing failed for a reason that may pass (the
 * sender retries), 552 over the size limit. STARTTLS is offered when a certificate is configured.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { ConnectorLogger } from '../channel';
import type { MailDelivery } from './email-delivery';
import type { EmailInboxDirectory } from './email-inboxes';

export interface SmtpListenerOptions {
  host: string;
  port: number;
  maxBytes: number;
  tls?: { certFile: string; keyFile: string };
  inboxes: Pick<EmailInboxDirectory, 'findByRecipient'>;
  delivery: MailDelivery;
  logger: ConnectorLogger;
  /** Announced in the greeting. */
  serverName?: string;
}

export interface SmtpListener {
  /** The port it listens on (the configured one, or the one the system chose for 0 in tests). */
  port: number;
  close(): Promise<void>;
}

const smtpError = (code: number, message: string) =>
  Object.assign(new Error(message), { responseCode: code });

/** Starts listening; rejects when the port cannot be bound. */
export async function startSmtpListener(options: SmtpListenerOptions): Promise<SmtpListener> {
  const tls = options.tls
    ? { key: readFileSync(options.tls.keyFile), cert: readFileSync(options.tls.certFile) }
    : null;
  const serverOptions: SMTPServerOptions = {
    name: options.serverName ?? 'omnihub',
    banner: 'Omnihub mail intake',
    size: options.maxBytes,
    authOptional: true,
    disabledCommands: tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    ...(tls ?? {}),
    logger: false,
    onRcptTo(address, _session, callback) {
      options.inboxes
        .findByRecipient(address.address)
        .then((inbox) =>
          inbox ? callback() : callback(smtpError(550, `5.1.1 <${address.address}>: no such mailbox here`)),
        )
        .catch((error: unknown) => {
          options.logger.warn({ err: error }, 'smtp recipient lookup failed');
          callback(smtpError(451, '4.3.0 temporary failure, try again later'));
        });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= options.maxBytes) chunks.push(chunk);
      });
      stream.on('end', () => {
        if (stream.sizeExceeded || size > options.maxBytes) {
          callback(smtpError(552, `5.3.4 message exceeds the ${options.maxBytes} byte limit`));
          return;
        }
        const recipients = session.envelope.rcptTo.map((rcpt) => rcpt.address.toLowerCase());
        void (async () => {
          const inbox = await firstInbox(options.inboxes, recipients);
          if (!inbox) throw smtpError(550, '5.1.1 no recipient of this message is served here');
          await options.delivery.deliver(Buffer.concat(chunks), { inboxId: inbox, envelopeTo: recipients });
        })()
          .then(() => callback())
          .catch((error: unknown) => {
            if ((error as { responseCode?: number }).responseCode === 550) return callback(error as Error);
            options.logger.warn({ err: error, recipients }, 'inbound mail not stored; answered 451');
            callback(smtpError(451, '4.3.0 the message could not be stored, try again later'));
          });
      });
    },
  };
  const server = new SMTPServer(serverOptions);
  server.on('error', (error) => options.logger.warn({ err: error }, 'smtp listener error'));
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function firstInbox(
  inboxes: Pick<EmailInboxDirectory, 'findByRecipient'>,
  recipients: string[],
): Promise<string | null> {
  for (const recipient of recipients) {
    const inbox = await inboxes.findByRecipient(recipient);
    if (inbox) return inbox.id;
  }
  return null;
}
