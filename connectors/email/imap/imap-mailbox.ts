/**
 * One IMAP mailbox, polled by one hub process at a time (a Redis lease). After connecting it imports every
 * message above the checkpoint in UID order, one at a time; the checkpoint advances only once the handler
 * (parse → sink) resolved for that UID, so a crash at any point re-imports at most the message in flight,
 * which ingest dedupes on its Message-ID. New mail is picked up by IDLE where the server offers it (the
 * `exists` notification), else by polling at the inbox's interval (also kept as a safety net with IDLE).
 *
 * A message whose hand-over fails for a reason of its own (see imap-errors.ts) is retried with backoff and
 * quarantined after `maxAttempts` (kept raw, listed for admins); the checkpoint then moves past it, so the
 * next messages still arrive and it is never refetched in a loop. Attempts are charged before the hand-over,
 * so a message that crashes the process counts as well.
 */
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import type { ConnectorLogger } from '../../channel';
import { describeFailure, isTransientFailure } from './imap-errors';
import type { QuarantineStore } from './imap-quarantine';
import type { ImapMailboxSettings } from './imap-settings';
import type { ImapStateStore, MailboxLease, MailboxRef } from './imap-state';

/** Where one fetched message goes: parse and hand to the sink; resolves once it is durable. */
export type RawMailHandler = (
  raw: Buffer,
  meta: { inboxId: string; mailbox: string; uid: number; uidValidity: string; internalDate?: Date },
) => Promise<void>;

export interface ImapMailboxOptions {
  settings: ImapMailboxSettings;
  handleRaw: RawMailHandler;
  state: ImapStateStore;
  quarantine: QuarantineStore;
  logger: ConnectorLogger;
  clock: { now(): Date };
  /** Failures charged to one message before it is quarantined (default 3). */
  maxAttempts: number;
  /** First retry delay after a failure; doubles per attempt, capped at 10 minutes. */
  retryDelayMs: number;
  /** How long a mailbox lease lasts without renewal (a killed process frees the mailbox after this). */
  leaseMs: number;
}

export interface ImapMailbox {
  readonly inboxId: string;
  readonly revision: number;
  start(): void;
  /** Finishes the message in flight, logs out and frees the lease. */
  stop(): Promise<void>;
}

const MAX_DELAY_MS = 10 * 60_000;

export function createImapMailbox(options: ImapMailboxOptions): ImapMailbox {
  const { settings, state, logger } = options;
  const ref: MailboxRef = { inboxId: settings.inboxId, mailbox: settings.mailbox };
  const log = { inboxId: settings.inboxId, mailbox: settings.mailbox, host: settings.host };
  let stopped = false;
  let client: ImapFlow | null = null;
  let lease: MailboxLease | null = null;
  let leaseTimer: NodeJS.Timeout | undefined;
  let wakeTimer: NodeJS.Timeout | undefined;
  let connectFailures = 0;
  let transientFailures = 0;
  let draining: Promise<void> | null = null;
  let drainAgain = false;
  let loop: Promise<void> | null = null;
  let wake: (() => void) | null = null;

  const backoff = (n: number, base: number) => Math.min(base * 2 ** Math.max(0, n - 1), MAX_DELAY_MS);
  /** Sleeps until `ms` passed or something (stop, a lost connection) wakes the session loop. */
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    });

  function clientOptions(useToken: boolean): ImapFlowOptions {
    return {
      host: settings.host,
      port: settings.port,
      secure: settings.security === 'tls',
      ...(settings.security === 'starttls' ? { doSTARTTLS: true } : {}),
      ...(settings.security === 'none' ? { doSTARTTLS: false } : {}),
      auth:
        useToken && settings.accessToken
          ? { user: settings.user, accessToken: settings.accessToken }
          : { user: settings.user, pass: settings.password ?? '' },
      logger: false,
      disableAutoIdle: !settings.idle,
      // IDLE again soon after the last command: until it runs, the server announces nothing new.
      autoIdleDelay: 1000,
      // Servers drop IDLE after ~30 minutes; restarting it earlier keeps the connection known alive.
      maxIdleTime: Math.min(settings.pollIntervalMs, 5 * 60_000),
      connectionTimeout: 30_000,
      greetingTimeout: 16_000,
      clientInfo: { name: 'Omnihub' },
    };
  }

  /** XOAUTH2 where the server offers it: a refused token falls back to the password when there is one. */
  async function connect(): Promise<ImapFlow> {
    const attempts = settings.accessToken ? (settings.password ? [true, false] : [true]) : [false];
    let lastError: unknown;
    for (const useToken of attempts) {
      const candidate = new ImapFlow(clientOptions(useToken));
      candidate.on('error', (error: unknown) => logger.warn({ ...log, err: error }, 'imap connection error'));
      try {
        await candidate.connect();
        return candidate;
      } catch (error) {
        lastError = error;
        candidate.close();
        const authFailed = (error as { authenticationFailed?: boolean }).authenticationFailed === true;
        if (!authFailed) break;
      }
    }
    throw lastError;
  }

  /** Drains now, or once the drain in progress ends (never two at once on one connection). */
  function trigger(): void {
    if (stopped) return;
    if (draining) {
      drainAgain = true;
      return;
    }
    draining = (async () => {
      do {
        drainAgain = false;
        await drainOnce();
      } while (drainAgain && !stopped);
    })()
      .catch((error: unknown) => {
        // The connection failed mid-drain: the session loop reconnects; the checkpoint kept what was done.
        logger.warn({ ...log, err: error }, 'imap fetch interrupted');
        client?.close();
      })
      .finally(() => {
        draining = null;
      });
  }

  function scheduleWake(ms: number): void {
    clearTimeout(wakeTimer);
    wakeTimer = setTimeout(trigger, ms);
  }

  async function drainOnce(): Promise<void> {
    const imap = client;
    if (!imap || stopped || !imap.usable) return;
    const mailbox = imap.mailbox;
    if (!mailbox) return;
    const uidValidity = String(mailbox.uidValidity);
    let checkpoint = await state.getCheckpoint(ref);
    if (!checkpoint || checkpoint.uidValidity !== uidValidity) {
      if (checkpoint)
        logger.warn(
          { ...log, was: checkpoint.uidValidity, now: uidValidity },
          'imap UIDVALIDITY changed: re-importing the mailbox (duplicates are dropped by Message-ID)',
        );
      await state.resetCheckpoint(ref, uidValidity);
      checkpoint = { uidValidity, lastUid: 0 };
    }
    if (!settings.idle || !imap.capabilities.has('IDLE')) await imap.noop();
    // `n:*` always matches the highest UID, even when it is below n: filter.
    const found = (await imap.search({ uid: `${checkpoint.lastUid + 1}:*` }, { uid: true })) || [];
    const uids = found.filter((uid) => uid > checkpoint.lastUid).sort((a, b) => a - b);
    let delay = settings.pollIntervalMs;
    for (const uid of uids) {
      if (stopped || client !== imap) return;
      const outcome = await processOne(imap, uidValidity, uid);
      if (outcome.retryInMs !== undefined) {
        delay = outcome.retryInMs;
        break;
      }
    }
    scheduleWake(delay);
  }

  async function processOne(
    imap: ImapFlow,
    uidValidity: string,
    uid: number,
  ): Promise<{ retryInMs?: number }> {
    const message = await imap.fetchOne(
      String(uid),
      { uid: true, source: true, internalDate: true },
      { uid: true },
    );
    if (!message || !message.source) {
      // Expunged between SEARCH and FETCH: nothing to import.
      await state.advanceCheckpoint(ref, uidValidity, uid);
      return {};
    }
    const raw = message.source;
    const internalDate = message.internalDate ? new Date(message.internalDate) : undefined;
    const attempts = await state.chargeAttempt(ref, uidValidity, uid);
    if (attempts > options.maxAttempts) {
      // It already failed (or crashed the process) maxAttempts times: do not try it again.
      await quarantineMessage(uidValidity, uid, raw, attempts - 1, 'gave up after repeated failed attempts');
      return {};
    }
    try {
      await options.handleRaw(raw, {
        inboxId: settings.inboxId,
        mailbox: settings.mailbox,
        uid,
        uidValidity,
        ...(internalDate && !Number.isNaN(internalDate.getTime()) ? { internalDate } : {}),
      });
    } catch (error) {
      if (isTransientFailure(error)) {
        await state.refundAttempt(ref, uidValidity, uid);
        transientFailures += 1;
        const retryInMs = backoff(transientFailures, options.retryDelayMs);
        logger.error(
          { ...log, uid, err: error, retryInMs },
          'imap message hand-over failed (hub storage): retrying',
        );
        return { retryInMs };
      }
      if (attempts >= options.maxAttempts) {
        await quarantineMessage(uidValidity, uid, raw, attempts, describeFailure(error));
        return {};
      }
      const retryInMs = backoff(attempts, options.retryDelayMs);
      logger.warn({ ...log, uid, attempts, err: error, retryInMs }, 'imap message failed: retrying');
      return { retryInMs };
    }
    transientFailures = 0;
    await state.advanceCheckpoint(ref, uidValidity, uid);
    await state.clearAttempts(ref, uidValidity, uid);
    logger.debug({ ...log, uid }, 'imap message imported');
    await afterProcess(imap, uid);
    return {};
  }

  async function quarantineMessage(
    uidValidity: string,
    uid: number,
    raw: Buffer,
    attempts: number,
    error: string,
  ): Promise<void> {
    const entry = await options.quarantine.add({
      inboxId: settings.inboxId,
      mailbox: settings.mailbox,
      uidValidity,
      uid,
      raw,
      attempts,
      error,
      quarantinedAt: options.clock.now().toISOString(),
    });
    await state.advanceCheckpoint(ref, uidValidity, uid);
    await state.clearAttempts(ref, uidValidity, uid);
    logger.error({ ...log, uid, attempts, quarantineId: entry.id, error }, 'imap message quarantined');
  }

  /** The inbox's optional flag or move; the message is already durable, so a failure here is only logged. */
  async function afterProcess(imap: ImapFlow, uid: number): Promise<void> {
    const after = settings.afterProcess;
    try {
      if (after.action === 'seen') await imap.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
      if (after.action === 'move') {
        const moved = await imap.messageMove(String(uid), after.folder, { uid: true }).catch(() => false);
        if (!moved) {
          // Most likely the folder does not exist yet.
          await imap.mailboxCreate(after.folder).catch(() => undefined);
          if (!(await imap.messageMove(String(uid), after.folder, { uid: true })))
            throw new Error(`could not move the message to ${after.folder}`);
        }
      }
    } catch (error) {
      logger.warn({ ...log, uid, err: error, action: after.action }, 'imap post-processing failed');
    }
  }

  async function holdLease(): Promise<boolean> {
    clearInterval(leaseTimer);
    lease = await state.acquireLease(ref, options.leaseMs);
    if (!lease) return false;
    const held = lease;
    const timer = setInterval(
      () => {
        void held
          .renew()
          .then((ok) => {
            if (ok || stopped || lease !== held) return;
            logger.warn(log, 'imap mailbox lease lost: another process may poll it now');
            clearInterval(timer);
            lease = null;
            client?.close();
          })
          .catch((error: unknown) => logger.warn({ ...log, err: error }, 'imap lease renewal failed'));
      },
      Math.max(250, Math.floor(options.leaseMs / 3)),
    );
    leaseTimer = timer;
    return true;
  }

  function dropLease(): Promise<void> {
    clearInterval(leaseTimer);
    const held = lease;
    lease = null;
    return held ? held.release().catch(() => undefined) : Promise.resolve();
  }

  /** One connected session: runs until the connection closes or the poller stops. */
  async function session(): Promise<void> {
    const imap = await connect();
    client = imap;
    const closed = new Promise<void>((resolve) => imap.once('close', () => resolve()));
    imap.on('exists', () => trigger());
    await imap.mailboxOpen(settings.mailbox);
    connectFailures = 0;
    const mode = settings.idle && imap.capabilities.has('IDLE') ? 'idle' : 'polling';
    logger.info({ ...log, mode, pollIntervalMs: settings.pollIntervalMs }, 'imap mailbox open');
    trigger();
    await Promise.race([closed, new Promise<void>((resolve) => (wake = resolve))]);
    wake = null;
    clearTimeout(wakeTimer);
    await draining;
    client = null;
    if (imap.usable) await imap.logout().catch(() => imap.close());
    else imap.close();
  }

  async function run(): Promise<void> {
    while (!stopped) {
      try {
        if (!lease && !(await holdLease())) {
          await sleep(Math.max(250, Math.floor(options.leaseMs / 2)));
          continue;
        }
        await session();
      } catch (error) {
        connectFailures += 1;
        const retryInMs = backoff(connectFailures, 1000);
        logger.warn({ ...log, err: error, retryInMs }, 'imap mailbox unavailable: reconnecting');
        if (!stopped) await sleep(Math.min(retryInMs, 60_000));
      }
    }
  }

  return {
    inboxId: settings.inboxId,
    revision: settings.revision,
    start() {
      loop ??= run();
    },
    async stop() {
      stopped = true;
      clearTimeout(wakeTimer);
      wake?.();
      await draining;
      client?.close();
      await loop;
      await dropLease();
    },
  };
}
