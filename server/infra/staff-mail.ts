/**
 * Email to staff (SLA warning and breach notices) through the deployment's SMTP relay (`SMTP_URL`).
 *
 * A notice is a bull job on the `staff-mail` queue, so a relay that is down or answers 4xx is retried with
 * backoff instead of losing the notice; a 5xx answer (the relay refuses the message for good) fails the job
 * at once. The job id is the caller's idempotency key: the same notice enqueued twice while the first is
 * still waiting or retrying is sent once. A notice can be held (`notBefore`): a bull delayed job.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import { PermanentJobError, type QueueFactory } from './queues';

export const STAFF_MAIL_QUEUE = 'staff-mail';

export interface StaffMail {
  /** Idempotency key of this notice (becomes the job id). */
  key: string;
  to: string;
  subject: string;
  text: string;
  /** Hold the notice until then (outside working hours). */
  notBefore?: Date;
}

export interface StaffMailDeps {
  queues: QueueFactory;
  smtpUrl: string;
  /** An address (`Name <a@b>`), or name and address kept apart so the name needs no quoting. */
  from: string | { name: string; address: string };
  logger: Logger;
  /** The hub's clock: `notBefore` is measured against it. */
  clock: Clock;
}

/** nodemailer's SMTP errors carry the relay's reply code. */
const isPermanentSmtpError = (error: unknown): boolean => {
  const code = (error as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
};

export function createStaffMail(deps: StaffMailDeps) {
  const logger = deps.logger.child({ module: 'staff-mail' });
  const queue = deps.queues.queue<StaffMail>(STAFF_MAIL_QUEUE);
  let transport: Transporter<SMTPTransport.SentMessageInfo> | null = null;

  return {
    /** Enqueues a notice; resolves once it is safely in Redis. */
    async send({ notBefore, ...mail }: StaffMail): Promise<void> {
      await queue.add(mail, {
        jobId: `${STAFF_MAIL_QUEUE}:${mail.key}`,
        delay: notBefore ? Math.max(0, notBefore.getTime() - deps.clock.now().getTime()) : 0,
        attempts: 8,
        backoff: { type: 'exponential', delay: 2_000 },
        removeOnComplete: true,
        removeOnFail: 1_000,
      });
    },

    /** Registers the sender (worker processes). */
    startWorkers(options: { concurrency?: number } = {}) {
      transport ??= nodemailer.createTransport(deps.smtpUrl);
      const smtp = transport;
      deps.queues.process<StaffMail>(
        STAFF_MAIL_QUEUE,
        { concurrency: options.concurrency ?? 2 },
        async (job) => {
          const { to, subject, text, key } = job.data;
          try {
            const info = await smtp.sendMail({ from: deps.from, to, subject, text });
            logger.info({ key, messageId: info.messageId }, 'staff notice sent');
          } catch (error) {
            logger.warn({ err: error, key, attempt: job.attemptsMade + 1 }, 'staff notice not sent');
            if (isPermanentSmtpError(error))
              throw new PermanentJobError(`relay refused the notice: ${(error as Error).message}`);
            throw error;
          }
        },
      );
    },

    close() {
      transport?.close();
      transport = null;
    },
  };
}

export type StaffMailService = ReturnType<typeof createStaffMail>;
