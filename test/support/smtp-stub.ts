/**
 * A local SMTP relay for tests (smtp-server): records every accepted message, parsed with mailparser, and
 * can answer the next DATA commands with a failure (e.g. 451 "try again later") to exercise retries.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SmtpStub {
  url: string;
  received: ParsedMail[];
  /** The next `count` messages are refused with this reply code. */
  failNext(count: number, code: number): void;
  /** Resolves once `count` messages have been accepted (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ParsedMail[]>;
  close(): Promise<void>;
}

export async function startSmtpStub(): Promise<SmtpStub> {
  const received: ParsedMail[] = [];
  let failures: { count: number; code: number } = { count: 0, code: 451 };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          if (failures.count > 0) {
            failures = { ...failures, count: failures.count - 1 };
            const error = Object.assign(new Error('stub relay refused the message'), {
              responseCode: failures.code,
            });
            return callback(error);
          }
          received.push(mail);
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    failNext(count, code) {
      failures = { count, code };
    },
    async waitFor(count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline)
          throw new Error(`expected ${count} messages at the SMTP stub, got ${received.length}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return received;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
