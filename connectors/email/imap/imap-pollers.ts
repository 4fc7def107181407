/**
 * The IMAP side of the email plug-in: one poller per enabled email inbox that has IMAP credentials, kept in
 * step with the inboxes collection (an inbox added, edited, disabled or removed by an admin is picked up at
 * the next refresh, without a restart). Runs on processes that run workers; several such processes share
 * the work through per-mailbox leases. Also owns the quarantine of messages that could not be imported.
 */
import type { Redis } from 'ioredis';
import type { ConnectorLogger, InboxDirectory } from '../../channel';
import { createImapMailbox, type ImapMailbox, type RawMailHandler } from './imap-mailbox';
import { createQuarantineStore, type QuarantineStore } from './imap-quarantine';
import { hasImapMailbox, parseImapMailboxSettings } from './imap-settings';
import { createImapStateStore, type ImapStateStore } from './imap-state';

export interface ImapPollersOptions {
  inboxes: InboxDirectory;
  /** Parses one raw message and hands it to the sink; resolves once it is durable. */
  handleRaw: RawMailHandler;
  redis: Redis;
  keyPrefix: string;
  logger: ConnectorLogger;
  clock: { now(): Date };
  /** Failed attempts before a message is quarantined (IMAP_MAX_ATTEMPTS, default 3). */
  maxAttempts?: number;
  /** First retry delay after a failure, doubling per attempt (IMAP_RETRY_DELAY_MS, default 5 s). */
  retryDelayMs?: number;
  /** Mailbox lease duration (IMAP_LEASE_MS, default 30 s). */
  leaseMs?: number;
  /** Poll interval of an inbox that sets no `imapPollSeconds` (IMAP_POLL_SECONDS, default 60 s). */
  defaultPollIntervalMs?: number;
  /** How often the inbox list is re-read (IMAP_INBOX_REFRESH_MS, default 30 s; 0: only at start). */
  refreshMs?: number;
  /** Largest raw message kept in quarantine (IMAP_QUARANTINE_MAX_BYTES, default 25 MiB). */
  quarantineMaxBytes?: number;
}

export interface ImapPollers {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Re-reads the inboxes now and starts, restarts or stops pollers to match. */
  refresh(): Promise<void>;
  readonly quarantine: QuarantineStore;
  readonly state: ImapStateStore;
  /** Hands a quarantined message over again; on success it leaves the quarantine. */
  retryQuarantined(id: string): Promise<'imported' | 'not-found' | 'no-raw'>;
}

export function createImapPollers(options: ImapPollersOptions): ImapPollers {
  const { logger } = options;
  const state = createImapStateStore(options);
  const quarantine = createQuarantineStore({
    redis: options.redis,
    keyPrefix: options.keyPrefix,
    maxRawBytes: options.quarantineMaxBytes ?? 25 * 1024 * 1024,
  });
  const running = new Map<string, ImapMailbox>();
  const reported = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = true;
  let refreshing: Promise<void> = Promise.resolve();

  async function reconcile(): Promise<void> {
    if (stopped) return;
    const wanted = new Map<string, ImapMailbox>();
    const inboxes = await options.inboxes.listByChannel('email');
    for (const inbox of inboxes) {
      if (!inbox.enabled || !hasImapMailbox(inbox)) continue;
      const current = running.get(inbox.id);
      if (current && current.revision === inbox.revision) {
        wanted.set(inbox.id, current);
        continue;
      }
      const parsed = parseImapMailboxSettings(inbox, {
        pollIntervalMs: options.defaultPollIntervalMs ?? 60_000,
      });
      if (!parsed.ok) {
        if (reported.get(inbox.id) !== inbox.revision)
          logger.error(
            { inboxId: inbox.id, problem: parsed.error },
            'imap settings of the inbox are invalid',
          );
        reported.set(inbox.id, inbox.revision);
        continue;
      }
      if (current) {
        running.delete(inbox.id);
        await current.stop();
      }
      const mailbox = createImapMailbox({
        settings: parsed.settings,
        handleRaw: options.handleRaw,
        state,
        quarantine,
        logger,
        clock: options.clock,
        maxAttempts: options.maxAttempts ?? 3,
        retryDelayMs: options.retryDelayMs ?? 5000,
        leaseMs: options.leaseMs ?? 30_000,
      });
      wanted.set(inbox.id, mailbox);
      mailbox.start();
    }
    for (const [inboxId, mailbox] of running)
      if (wanted.get(inboxId) !== mailbox) {
        running.delete(inboxId);
        await mailbox.stop();
      }
    for (const [inboxId, mailbox] of wanted) running.set(inboxId, mailbox);
  }

  function refresh(): Promise<void> {
    refreshing = refreshing
      .then(reconcile)
      .catch((error: unknown) => logger.warn({ err: error }, 'imap inbox refresh failed'));
    return refreshing;
  }

  return {
    quarantine,
    state,
    refresh,
    async start() {
      if (!stopped) return;
      stopped = false;
      await refresh();
      const every = options.refreshMs ?? 30_000;
      if (every > 0) timer = setInterval(() => void refresh(), every);
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await refreshing;
      const all = [...running.values()];
      running.clear();
      await Promise.all(all.map((mailbox) => mailbox.stop()));
    },
    async retryQuarantined(id) {
      const entry = await quarantine.get(id);
      if (!entry) return 'not-found';
      const raw = await quarantine.getRaw(id);
      if (!raw) return 'no-raw';
      await options.handleRaw(raw, {
        inboxId: entry.inboxId,
        mailbox: entry.mailbox,
        uid: entry.uid,
        uidValidity: entry.uidValidity,
      });
      await quarantine.remove(id);
      return 'imported';
    },
  };
}
