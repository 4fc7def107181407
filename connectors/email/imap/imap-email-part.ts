/**
 * The IMAP part of the email plug-in, built from the plug-in's context and its one delivery path (parse →
 * sink), so IMAP mail is handled exactly like mail from the SMTP listener or the relay. Contributes the
 * admin quarantine routes (under `/api`, every process) and the pollers (processes that run workers).
 */
import type { ConnectorContext, ConnectorRoute } from '../../channel';
import { createImapPollers, type ImapPollers } from './imap-pollers';
import { createImapQuarantineRouter } from './imap-quarantine.routes';

export interface ImapEmailPart {
  routes: ConnectorRoute[];
  pollers: ImapPollers;
  start(roles: { runsWorkers: boolean }): Promise<void>;
  stop(): Promise<void>;
}

export function createImapEmailPart(
  context: ConnectorContext,
  delivery: { deliver(raw: Buffer, input: { inboxId: string }): Promise<unknown> },
): ImapEmailPart {
  const { config } = context;
  const pollers = createImapPollers({
    inboxes: context.inboxes,
    handleRaw: async (raw, meta) => {
      await delivery.deliver(raw, { inboxId: meta.inboxId });
    },
    redis: context.redis,
    keyPrefix: context.keyPrefix,
    logger: context.logger,
    clock: context.clock,
    maxAttempts: config.IMAP_MAX_ATTEMPTS,
    retryDelayMs: config.IMAP_RETRY_DELAY_MS,
    leaseMs: config.IMAP_LEASE_MS,
    defaultPollIntervalMs: config.IMAP_POLL_SECONDS * 1000,
    refreshMs: config.IMAP_INBOX_REFRESH_MS,
    quarantineMaxBytes: config.IMAP_QUARANTINE_MAX_BYTES,
  });
  let started = false;
  return {
    routes: [
      {
        path: '/api',
        router: createImapQuarantineRouter({ pollers, hub: context.hub, logger: context.logger }),
      },
    ],
    pollers,
    async start(roles) {
      // Pollers run where workers run; web-only processes serve the quarantine API only.
      if (!roles.runsWorkers || started) return;
      started = true;
      await pollers.start();
    },
    async stop() {
      if (!started) return;
      started = false;
      await pollers.stop();
    },
  };
}
