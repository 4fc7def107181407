/**
 * The SLA service: keeps each conversation's clock (history → state → stored summary), arms one bull
 * delayed job per warning and breach (deterministic id), records each warning and breach once when its
 * time has come (in the same write as the new summary, guarded on `sla.rev`), and applies the policy's
 * escalation steps.
 * A periodic sweep fires what is overdue and re-arms timers Redis lost.
 */
import type { Queue } from 'bull';
import type { Redis } from 'ioredis';
import type { Document, Filter, ObjectId, UpdateFilter } from 'mongodb';
import type { DomainEvents } from '../../domain-events';
import type { Clock } from '../../lib/clock';
import type { EventBus } from '../../lib/event-bus';
import type { Logger } from '../../lib/logger';
import { computeSlaState, dueEvents, type SlaClockState, type SlaHistoryEvent } from './sla-clock';
import { selectPolicy } from './sla-policy-select';
import {
  resolveCalendar,
  type ConversationSla,
  type PolicyWithCalendar,
  type SlaConversation,
  type SlaFiredEvent,
  type SlaStore,
  type StoredHistoryEvent,
} from './sla-store';
import { summarize, type SlaSummary } from './sla-summary';

export const SLA_QUEUE = 'sla';
const MAX_GUARDED_RETRIES = 8;
const SWEEP_BATCH = 500;

export interface SlaTimerJob {
  conversationId: string;
  key: string;
  /** The due instant (ms) the job was armed for. */
  at: number;
}

export interface RefreshResult {
  conversation: SlaConversation;
  policy: PolicyWithCalendar | null;
  state: SlaClockState | null;
  summary: SlaSummary | null;
  timezone: string;
}

/** What happens when a warning or breach is recorded (notifications, escalation); set by the module. */
export type FiredHandler = (input: {
  conversation: SlaConversation;
  event: SlaFiredEvent;
  policy: PolicyWithCalendar | null;
  timezone: string;
  /** A warning recorded together with its breach (after an outage) is recorded silently. */
  silent: boolean;
}) => Promise<void>;

export interface SlaServiceDeps {
  store: SlaStore;
  queue: Queue<SlaTimerJob>;
  redis: Redis;
  /** Redis key whose absence tells the sweep that Redis lost its timers (a flush or a restart without AOF). */
  sentinelKey: string;
  events: EventBus<DomainEvents>;
  clock: Clock;
  logger: Logger;
  onFired?: FiredHandler;
}

const reviveHistory = (stored: StoredHistoryEvent[] | undefined): SlaHistoryEvent[] =>
  (stored ?? []).map((event) => {
    const at = new Date(event.at);
    if (event.type === 'status') return { type: 'status', at, status: event.status as never };
    if (event.type === 'reply')
      return { type: 'reply', at, ref: event.ref, human: event.human ?? true, public: event.public ?? true };
    return { type: 'inbound', at, ref: event.ref };
  });

export const timerJobId = (conversationId: string, timer: { key: string; at: Date | number }) =>
  `${conversationId}:${timer.key}:${new Date(timer.at).getTime()}`;

/**
 * Keeps the stored history small: only the messages that can change a clock are kept — an inbound
 * message after our reply (or the first one), and our first human reply after the customer wrote.
 * Duplicates (same ref) are dropped.
 */
export function compactAdditions(
  stored: StoredHistoryEvent[],
  append: StoredHistoryEvent[],
): StoredHistoryEvent[] {
  const kept: StoredHistoryEvent[] = [];
  let lastMessage = stored.filter((e) => e.type !== 'status').at(-1);
  for (const event of append) {
    if (event.ref && stored.some((s) => s.ref === event.ref && s.type === event.type)) continue;
    if (event.type === 'inbound' && lastMessage?.type === 'inbound') continue;
    if (event.type === 'reply' && lastMessage?.type !== 'inbound') continue;
    kept.push(event);
    if (event.type !== 'status') lastMessage = event;
  }
  return kept;
}

/** The summary's fields as `sla.*` paths of a `$set`. */
function prefixed(summary: SlaSummary): Record<string, unknown> {
  return Object.fromEntries(Object.entries(summary).map(([field, value]) => [`sla.${field}`, value]));
}

/** What a conversation with no applicable policy stores: no clock, no timers. */
const NO_POLICY: Readonly<Record<string, unknown>> = {
  'sla.timers': [],
  'sla.nextTimerAt': null,
  'sla.nextDueAt': null,
  'sla.firstResponseDueAt': null,
  'sla.nextResponseDueAt': null,
  'sla.resolutionDueAt': null,
};

/** True when every `sla.*` value of the `$set` equals what is stored (dates compared by instant). */
function unchanged(stored: ConversationSla, set: Record<string, unknown>): boolean {
  const current = stored as Record<string, unknown>;
  return Object.entries(set).every(
    ([path, value]) =>
      JSON.stringify(current[path.slice('sla.'.length)] ?? null) === JSON.stringify(value ?? null),
  );
}

export function createSlaService(deps: SlaServiceDeps) {
  const { store, queue, clock, logger } = deps;
  let onFired: FiredHandler | undefined = deps.onFired;

  async function selectFor(conversation: SlaConversation) {
    const rules = await store.getRules();
    const team = await store.findTeam(conversation.teamId);
    const facts = {
      category: conversation.category,
      priority: conversation.priority,
      tier: conversation.contactTier ?? null,
      channel: conversation.primaryChannel,
      teamId: conversation.teamId,
    };
    let policy = selectPolicy(rules.policies, facts);
    // A team's own policy takes precedence over the catch-all default (but not over a matching rule).
    if ((!policy || policy.isDefault) && team?.slaPolicyId) {
      policy = rules.policies.find((p) => p.id === team.slaPolicyId && p.enabled) ?? policy;
    }
    if (!policy) return { policy: null, calendar: null, calendarId: null, team };
    return { policy, team, ...resolveCalendar(policy, team, rules.calendars) };
  }

  /**
   * Brings one conversation's clock up to date at `clock.now()` in one guarded write: records the history
   * additions and a status change the history has not seen, recomputes the state and the stored summary,
   * records every warning and breach whose time has come (each key once: the write is guarded on
   * `sla.rev`), and re-arms the timers that remain. Then runs the fired handler for what it recorded.
   */
  async function check(
    conversationId: string,
    append: StoredHistoryEvent[] = [],
  ): Promise<{ result: RefreshResult | null; fired: SlaFiredEvent[] }> {
    for (let attempt = 0; attempt < MAX_GUARDED_RETRIES; attempt++) {
      const conversation = await store.findConversation(conversationId);
      if (!conversation) return { result: null, fired: [] };
      const sla: ConversationSla = conversation.sla ?? {};
      const now = clock.now();
      const stored = sla.history ?? [];
      const additions = compactAdditions(stored, append);
      const lastStatus = [...stored, ...additions].filter((e) => e.type === 'status').at(-1);
      if (lastStatus?.status !== conversation.status)
        additions.push({ type: 'status', at: now, status: conversation.status });
      const history = reviveHistory([...stored, ...additions]);
      const { policy, calendar, calendarId } = await selectFor(conversation);
      const recorded = new Set((sla.events ?? []).map((event) => event.key));
      const state =
        policy && calendar
          ? computeSlaState({
              history,
              targets: policy.targets,
              warningThreshold: policy.warningThreshold,
              calendar,
              now,
            })
          : null;
      const fired: SlaFiredEvent[] = (state ? dueEvents(state) : [])
        .filter((timer) => !recorded.has(timer.key))
        .map((timer) => ({
          key: timer.key,
          kind: timer.kind,
          target: timer.target,
          cycle: timer.cycle,
          dueAt: timer.at,
          firedAt: now,
          policyId: policy?.id ?? null,
        }));
      for (const event of fired) recorded.add(event.key);
      const summary = state ? summarize(state, recorded) : null;
      const set: Record<string, unknown> = {
        'sla.policyId': policy?.id ?? null,
        'sla.policyName': policy?.name ?? null,
        'sla.calendarId': calendarId,
        'sla.timezone': calendar?.timezone ?? 'UTC',
        ...(summary ? prefixed(summary) : NO_POLICY),
        'sla.pausedAt': state?.paused ? (lastStatusAt(history) ?? now) : null,
      };
      const timezone = calendar?.timezone ?? 'UTC';
      const events = [...(sla.events ?? []), ...fired];
      const result: RefreshResult = {
        conversation: {
          ...conversation,
          sla: { ...sla, ...(summary ?? {}), policyId: policy?.id ?? null, events },
        },
        policy,
        state,
        summary,
        timezone,
      };
      // Nothing new to record and nothing moved: no write, no timer change.
      if (!additions.length && !fired.length && unchanged(sla, set)) return { result, fired };
      const push: Record<string, unknown> = {};
      if (additions.length) push['sla.history'] = { $each: additions };
      if (fired.length) push['sla.events'] = { $each: fired };
      const write = await store
        .conversations()
        .updateOne({ _id: conversation._id, 'sla.rev': sla.rev ?? null }, {
          $set: set,
          $inc: { 'sla.rev': 1 },
          ...(additions.length || fired.length ? { $push: push } : {}),
        } as UpdateFilter<Document>);
      if (write.modifiedCount === 0) continue;
      // The jobs of timers recorded now are running or done (removeOnComplete): leave them alone.
      const firedKeys = new Set(fired.map((event) => event.key));
      const previous = (sla.timers ?? []).filter((timer) => !firedKeys.has(timer.key));
      await rearm(conversationId, previous, summary?.timers ?? []);
      await runFiredHandler(result, fired);
      return { result, fired };
    }
    logger.warn({ conversationId }, 'sla check gave up after repeated concurrent changes');
    return { result: null, fired: [] };
  }

  function lastStatusAt(history: SlaHistoryEvent[]): Date | null {
    return history.filter((e) => e.type === 'status').at(-1)?.at ?? null;
  }

  /** Replaces the bull jobs of timers whose time moved or that disappeared; adds the new ones. */
  async function rearm(
    conversationId: string,
    previous: { key: string; at: Date }[],
    next: { key: string; at: Date }[],
  ): Promise<void> {
    const nextIds = new Set(next.map((timer) => timerJobId(conversationId, timer)));
    const previousIds = new Set(previous.map((timer) => timerJobId(conversationId, timer)));
    await Promise.all(
      [...previousIds]
        .filter((id) => !nextIds.has(id))
        .map(async (id) => {
          const job = await queue.getJob(id);
          await job?.remove().catch(() => undefined);
        }),
    );
    await Promise.all(
      next
        .filter((timer) => !previousIds.has(timerJobId(conversationId, timer)))
        .map((timer) => armTimer(conversationId, timer)),
    );
  }

  async function armTimer(conversationId: string, timer: { key: string; at: Date }): Promise<void> {
    const at = new Date(timer.at).getTime();
    await queue.add(
      { conversationId, key: timer.key, at },
      {
        jobId: timerJobId(conversationId, timer),
        delay: Math.max(0, at - clock.now().getTime()),
        attempts: 5,
        backoff: { type: 'exponential', delay: 500 },
        removeOnComplete: true,
        removeOnFail: 1000,
      },
    );
  }

  /** Runs the fired handler (notifications, escalation) for the warnings and breaches just recorded. */
  async function runFiredHandler(result: RefreshResult, fired: SlaFiredEvent[]): Promise<void> {
    for (const event of fired) {
      // A warning recorded together with its breach (after an outage) is recorded silently.
      const silent =
        event.kind === 'warning' &&
        fired.some(
          (other) => other.kind === 'breach' && other.target === event.target && other.cycle === event.cycle,
        );
      try {
        await onFired?.({
          conversation: result.conversation,
          event,
          policy: result.policy,
          timezone: result.timezone,
          silent,
        });
      } catch (error) {
        logger.error(
          { err: error, conversationId: String(result.conversation._id), key: event.key },
          'sla escalation failed',
        );
      }
    }
  }

  /** The bull processor of a timer job (also called directly by tests with a manual clock). */
  async function processTimerJob(data: SlaTimerJob): Promise<SlaFiredEvent[]> {
    return (await check(data.conversationId)).fired;
  }

  /**
   * The sweep: fires every overdue warning or breach, and makes sure each armed timer has its bull job —
   * all of them when the Redis sentinel is gone (Redis lost its data), else those due within `horizonMs`.
   */
  async function sweep(
    options: { horizonMs?: number } = {},
  ): Promise<{ fired: number; rearmed: number; full: boolean }> {
    const now = clock.now();
    let fired = 0;
    let rearmed = 0;
    let lastId: ObjectId | null = null;
    for (let round = 0; round < 1000; round++) {
      const filter: Filter<Document> = { 'sla.nextTimerAt': { $lte: now } };
      if (lastId) filter._id = { $gt: lastId };
      const overdue: Document[] = await store
        .conversations()
        .find(filter, { projection: { _id: 1 } })
        .sort({ _id: 1 })
        .limit(SWEEP_BATCH)
        .toArray();
      for (const doc of overdue) fired += (await check(String(doc._id))).fired.length;
      if (overdue.length < SWEEP_BATCH) break;
      lastId = overdue.at(-1)!._id as ObjectId;
    }
    const full = (await deps.redis.exists(deps.sentinelKey)) === 0;
    const horizon = new Date(now.getTime() + (options.horizonMs ?? 120_000));
    let cursorId: ObjectId | null = null;
    for (let round = 0; round < 10_000; round++) {
      const filter: Filter<Document> = full
        ? { 'sla.nextTimerAt': { $gt: now } }
        : { 'sla.nextTimerAt': { $gt: now, $lte: horizon } };
      if (cursorId) filter._id = { $gt: cursorId };
      const batch = await store
        .conversations()
        .find(filter, { projection: { _id: 1, 'sla.timers': 1 } })
        .sort({ _id: 1 })
        .limit(SWEEP_BATCH)
        .toArray();
      const checks = batch.flatMap((doc) =>
        ((doc.sla as ConversationSla | undefined)?.timers ?? []).map(async (timer) => {
          const id = String(doc._id);
          if (await queue.getJob(timerJobId(id, timer))) return;
          await armTimer(id, timer);
          rearmed++;
        }),
      );
      await Promise.all(checks);
      if (batch.length < SWEEP_BATCH) break;
      cursorId = batch.at(-1)!._id;
    }
    if (full) await deps.redis.set(deps.sentinelKey, String(now.getTime()));
    if (fired || rearmed) logger.info({ fired, rearmed, full }, 'sla sweep');
    return { fired, rearmed, full };
  }

  /** Re-evaluates every conversation not yet resolved (after a policy or calendar edit). */
  async function reevaluateOpen(): Promise<number> {
    let count = 0;
    let cursorId: ObjectId | null = null;
    for (;;) {
      const filter: Filter<Document> = { status: { $nin: ['resolved', 'closed'] } };
      if (cursorId) filter._id = { $gt: cursorId };
      const batch = await store
        .conversations()
        .find(filter, { projection: { _id: 1 } })
        .sort({ _id: 1 })
        .limit(SWEEP_BATCH)
        .toArray();
      for (const doc of batch) {
        await check(String(doc._id));
        count++;
      }
      if (batch.length < SWEEP_BATCH) return count;
      cursorId = batch.at(-1)!._id;
    }
  }

  return {
    check,
    processTimerJob,
    sweep,
    reevaluateOpen,
    setFiredHandler(handler: FiredHandler) {
      onFired = handler;
    },
  };
}

export type SlaService = ReturnType<typeof createSlaService>;
