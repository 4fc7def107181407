/**
 * Connector-level harness for the IMAP pollers: a real dovecot, the shared test redis-server, the real mail
 * parser and an in-memory sink with ingest's promise (idempotent on channel + externalId). Counts every
 * hand-over, so a test can tell "the checkpoint skipped it" from "the sink deduped it".
 */
import { Redis } from 'ioredis';
import type { InboxDirectory, InboxSettings } from '../../connectors/channel';
import {
  createImapPollers,
  type ImapPollers,
  type ImapPollersOptions,
} from '../../connectors/email/imap/imap-pollers';
import type { RawMailHandler } from '../../connectors/email/imap/imap-mailbox';
import { parseInboundMail } from '../../connectors/email/email-parse';
import type { RunningDovecot } from './dovecot';
import { createMemorySink } from './memory-sink';
import { getTestStack, uniqueId } from './test-stack';

export interface HandOver {
  uid: number;
  uidValidity: string;
  raw: Buffer;
}

/** Polls until `check` returns a value (not undefined/false), or fails after `timeoutMs`. */
export async function waitUntil<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function imapInbox(
  dovecot: RunningDovecot,
  credentials: Record<string, string> = {},
  overrides: Partial<InboxSettings> = {},
): InboxSettings {
  const user = dovecot.users[0];
  if (!user) throw new Error('dovecot has no user');
  return {
    id: `inbox-${uniqueId()}`,
    name: 'Support mailbox',
    channel: 'email',
    address: 'support@example.com',
    teamId: null,
    enabled: true,
    revision: 1,
    credentials: {
      imapHost: dovecot.host,
      imapPort: String(dovecot.port),
      imapSecurity: 'none',
      imapUser: user.user,
      imapPassword: user.password,
      ...credentials,
    },
    ...overrides,
  };
}

export function staticInboxes(list: InboxSettings[]): InboxDirectory {
  return {
    findById: (id) => Promise.resolve(list.find((inbox) => inbox.id === id) ?? null),
    findByAddress: (channel, address) =>
      Promise.resolve(list.find((inbox) => inbox.channel === channel && inbox.address === address) ?? null),
    listByChannel: (channel) => Promise.resolve(list.filter((inbox) => inbox.channel === channel)),
  };
}

export interface ImapHarness {
  pollers: ImapPollers;
  sink: ReturnType<typeof createMemorySink>;
  handOvers: HandOver[];
  /** The pollers' Redis and key prefix, to look at their state. */
  redis: Redis;
  keyPrefix: string;
  /** Subjects of what the sink stored, in order. */
  subjects(): (string | undefined)[];
  /** A fresh set of pollers on the same state (a restarted process). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** Builds pollers for `inboxes`; `intercept` may throw for a hand-over before the real parser runs. */
export async function startImapHarness(input: {
  inboxes: InboxSettings[];
  keyPrefix?: string;
  intercept?: (raw: Buffer, attempt: number) => void;
  options?: Partial<ImapPollersOptions>;
  logger?: ImapPollersOptions['logger'];
}): Promise<ImapHarness> {
  const { redisUrl } = await getTestStack();
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  const keyPrefix = input.keyPrefix ?? `test-imap-${uniqueId()}`;
  const sink = createMemorySink();
  const handOvers: HandOver[] = [];
  const handleRaw: RawMailHandler = async (raw, meta) => {
    handOvers.push({ uid: meta.uid, uidValidity: meta.uidValidity, raw });
    input.intercept?.(raw, handOvers.filter((h) => h.raw.equals(raw)).length);
    const parsed = await parseInboundMail(raw, {
      inboxId: meta.inboxId,
      ourDomains: ['omnihub.test'],
      receivedAt: meta.internalDate ?? new Date(),
    });
    if (parsed.kind === 'bounce') await sink.sink.updateStatus(parsed.status);
    else await sink.sink.ingest(parsed.event);
  };
  const logger = input.logger ?? { debug() {}, info() {}, warn() {}, error() {} };
  const build = () =>
    createImapPollers({
      inboxes: staticInboxes(input.inboxes),
      handleRaw,
      redis,
      keyPrefix,
      logger,
      clock: { now: () => new Date() },
      retryDelayMs: 50,
      leaseMs: 3000,
      refreshMs: 0,
      ...input.options,
    });
  const harness: ImapHarness = {
    pollers: build(),
    sink,
    handOvers,
    redis,
    keyPrefix,
    subjects: () => sink.entries.map((entry) => entry.event.subject),
    async restart() {
      await harness.pollers.stop();
      harness.pollers = build();
      await harness.pollers.start();
    },
    async close() {
      await harness.pollers.stop();
      redis.disconnect();
    },
  };
  await harness.pollers.start();
  return harness;
}
