/**
 * The SLA clock (pure): from a conversation's history (inbound messages, replies, status changes) and a
 * policy's targets on a calendar, computes for each target its start, warning and due times, pauses, and
 * whether it was met or breached at `now`. Recomputing from the history every time (rather than mutating
 * due times incrementally) is what makes re-selection, policy edits and replays give the same answer.
 *
 * Rules:
 * - The clock starts at the first inbound message.
 * - First response: met by the first public reply of a human agent (auto-replies and notes do not count).
 * - Next response: after the first response, each inbound message that follows our last human reply
 *   opens a cycle, met by the next human reply.
 * - Resolution: met when the conversation is resolved or closed; reopening resumes it (the time spent
 *   resolved is not counted).
 * - While the conversation waits on the customer (pending, snoozed) or is resolved/closed, no target's
 *   clock runs: the paused business time is added to the due times.
 */
import { addBusinessMinutes, businessMinutesBetween, type BusinessCalendar } from './business-calendar';
import type { SlaTargetName } from './sla-policy-select';

export const CONVERSATION_STATUSES = ['new', 'open', 'pending', 'snoozed', 'resolved', 'closed'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

const WAITING_ON_CUSTOMER: ReadonlySet<string> = new Set(['pending', 'snoozed']);
const DONE: ReadonlySet<string> = new Set(['resolved', 'closed']);

export type SlaHistoryEvent =
  | { type: 'inbound'; at: Date; ref?: string }
  /** An outbound message; only `human && public` replies answer the customer for the SLA. */
  | { type: 'reply'; at: Date; ref?: string; human: boolean; public: boolean }
  | { type: 'status'; at: Date; status: ConversationStatus };

export interface SlaClockInput {
  history: readonly SlaHistoryEvent[];
  targets: Partial<Record<SlaTargetName, number>>;
  /** 0 < threshold < 1; the warning fires when this fraction of the target has elapsed. */
  warningThreshold: number;
  calendar: BusinessCalendar;
  now: Date;
}

export type TargetStatus = 'running' | 'paused' | 'stopped' | 'met';

export interface TargetState {
  target: SlaTargetName;
  /** 0 for first response and resolution; the cycle number (1, 2, …) for next response. */
  cycle: number;
  startedAt: Date;
  targetMinutes: number;
  status: TargetStatus;
  /** Null while the clock is paused (it depends on when the pause ends). */
  dueAt: Date | null;
  warnAt: Date | null;
  metAt: Date | null;
  /** Business minutes left (negative when overdue), at `metAt` or `now`. */
  remainingMinutes: number;
  /** The due time passed before the target was met (or is still unmet at `now`). */
  breached: boolean;
  warned: boolean;
  /** Business minutes the clock ran, excluding pauses, up to `metAt` or `now`. */
  businessMinutes: number;
  /** Wall-clock minutes from start to `metAt` or `now`. */
  calendarMinutes: number;
  pausedBusinessMinutes: number;
}

export interface SlaClockState {
  startedAt: Date | null;
  status: ConversationStatus;
  paused: boolean;
  firstResponse: TargetState | null;
  /** The latest next-response cycle. */
  nextResponse: TargetState | null;
  /** Every next-response cycle so far, oldest first. */
  nextResponseCycles: TargetState[];
  resolution: TargetState | null;
}

interface Interval {
  start: number;
  end: number;
}

const byTime = (a: SlaHistoryEvent, b: SlaHistoryEvent) => a.at.getTime() - b.at.getTime();

/** Intervals during which no clock runs, from the status changes (the last one may end at Infinity). */
export function inactiveIntervals(history: readonly SlaHistoryEvent[]): Interval[] {
  const intervals: Interval[] = [];
  let since: number | null = null;
  for (const event of [...history].sort(byTime)) {
    if (event.type !== 'status') continue;
    const inactive = WAITING_ON_CUSTOMER.has(event.status) || DONE.has(event.status);
    const at = event.at.getTime();
    if (inactive && since === null) since = at;
    if (!inactive && since !== null) {
      if (at > since) intervals.push({ start: since, end: at });
      since = null;
    }
  }
  if (since !== null) intervals.push({ start: since, end: Infinity });
  return intervals;
}

function clip(intervals: readonly Interval[], from: number, to: number): Interval[] {
  return intervals
    .map((interval) => ({ start: Math.max(interval.start, from), end: Math.min(interval.end, to) }))
    .filter((interval) => interval.end > interval.start);
}

function minutes(calendar: BusinessCalendar, from: number, to: number): number {
  return to <= from ? 0 : businessMinutesBetween(calendar, new Date(from), new Date(to));
}

/**
 * The instant at which `amount` business minutes of active (unpaused) time have elapsed since `start`, or
 * null when the clock is paused before that.
 */
function consume(
  calendar: BusinessCalendar,
  start: number,
  amount: number,
  inactive: Interval[],
): number | null {
  let remaining = amount;
  let cursor = start;
  for (const pause of inactive) {
    if (pause.end <= cursor) continue;
    const available = minutes(calendar, cursor, pause.start);
    if (pause.start > cursor && available >= remaining)
      return addBusinessMinutes(calendar, new Date(cursor), remaining).getTime();
    remaining -= Math.max(0, available);
    if (pause.end === Infinity) return null;
    cursor = Math.max(cursor, pause.end);
  }
  return addBusinessMinutes(calendar, new Date(cursor), remaining).getTime();
}

function targetState(
  input: SlaClockInput,
  spec: {
    target: SlaTargetName;
    cycle: number;
    startedAt: number;
    metAt: number | null;
    targetMinutes: number;
  },
  allInactive: Interval[],
): TargetState {
  const now = input.now.getTime();
  const end = spec.metAt ?? now;
  // Pauses after the target was met cannot move its due time; cut them off so the due time stays known.
  const inactive = clip(allInactive, spec.startedAt, spec.metAt ?? Infinity);
  const dueAt = consume(input.calendar, spec.startedAt, spec.targetMinutes, inactive);
  const warnAt = consume(
    input.calendar,
    spec.startedAt,
    spec.targetMinutes * input.warningThreshold,
    inactive,
  );
  const paused = clip(inactive, spec.startedAt, end);
  const pausedBusinessMinutes = paused.reduce((sum, p) => sum + minutes(input.calendar, p.start, p.end), 0);
  const businessMinutes = minutes(input.calendar, spec.startedAt, end) - pausedBusinessMinutes;
  const isPausedNow = spec.metAt === null && inactive.some((p) => p.start <= now && now < p.end);
  const currentStatus = [...input.history]
    .sort(byTime)
    .filter((e) => e.type === 'status' && e.at.getTime() <= now);
  const last = currentStatus.at(-1);
  const stopped = isPausedNow && last?.type === 'status' && DONE.has(last.status);
  return {
    target: spec.target,
    cycle: spec.cycle,
    startedAt: new Date(spec.startedAt),
    targetMinutes: spec.targetMinutes,
    status: spec.metAt !== null ? 'met' : stopped ? 'stopped' : isPausedNow ? 'paused' : 'running',
    dueAt: dueAt === null ? null : new Date(dueAt),
    warnAt: warnAt === null ? null : new Date(warnAt),
    metAt: spec.metAt === null ? null : new Date(spec.metAt),
    remainingMinutes: spec.targetMinutes - businessMinutes,
    // Met exactly at the due time is met in time; unmet, the due instant itself is the breach.
    breached: dueAt !== null && (spec.metAt !== null ? dueAt < end : dueAt <= end),
    warned: warnAt !== null && (spec.metAt !== null ? warnAt < end : warnAt <= end),
    businessMinutes,
    calendarMinutes: Math.max(0, end - spec.startedAt) / 60_000,
    pausedBusinessMinutes,
  };
}

/** Computes every target's state at `input.now` from the history (events after `now` are ignored). */
export function computeSlaState(input: SlaClockInput): SlaClockState {
  const now = input.now.getTime();
  const history = input.history.filter((event) => event.at.getTime() <= now).sort(byTime);
  const inactive = inactiveIntervals(history);
  const lastStatus = history.filter((e) => e.type === 'status').at(-1);
  const status: ConversationStatus = lastStatus?.type === 'status' ? lastStatus.status : 'open';
  const firstInbound = history.find((event) => event.type === 'inbound');
  const state: SlaClockState = {
    startedAt: firstInbound ? firstInbound.at : null,
    status,
    paused: WAITING_ON_CUSTOMER.has(status),
    firstResponse: null,
    nextResponse: null,
    nextResponseCycles: [],
    resolution: null,
  };
  if (!firstInbound) return state;
  const start = firstInbound.at.getTime();
  const isAnswer = (e: SlaHistoryEvent) =>
    e.type === 'reply' && e.human && e.public && e.at.getTime() >= start;
  const firstAnswer = history.find(isAnswer);

  const { firstResponse, nextResponse, resolution } = input.targets;
  if (firstResponse !== undefined) {
    state.firstResponse = targetState(
      input,
      {
        target: 'firstResponse',
        cycle: 0,
        startedAt: start,
        metAt: firstAnswer?.at.getTime() ?? null,
        targetMinutes: firstResponse,
      },
      inactive,
    );
  }
  if (nextResponse !== undefined && firstAnswer) {
    let cycleStart: number | null = null;
    for (const event of history) {
      if (event.at.getTime() <= firstAnswer.at.getTime()) continue;
      if (event.type === 'inbound' && cycleStart === null) cycleStart = event.at.getTime();
      if (isAnswer(event) && cycleStart !== null) {
        state.nextResponseCycles.push(
          targetState(
            input,
            {
              target: 'nextResponse',
              cycle: state.nextResponseCycles.length + 1,
              startedAt: cycleStart,
              metAt: event.at.getTime(),
              targetMinutes: nextResponse,
            },
            inactive,
          ),
        );
        cycleStart = null;
      }
    }
    if (cycleStart !== null) {
      state.nextResponseCycles.push(
        targetState(
          input,
          {
            target: 'nextResponse',
            cycle: state.nextResponseCycles.length + 1,
            startedAt: cycleStart,
            metAt: null,
            targetMinutes: nextResponse,
          },
          inactive,
        ),
      );
    }
    state.nextResponse = state.nextResponseCycles.at(-1) ?? null;
  }
  if (resolution !== undefined) {
    const resolvedAt = DONE.has(status) && lastStatus ? lastStatus.at.getTime() : null;
    state.resolution = targetState(
      input,
      { target: 'resolution', cycle: 0, startedAt: start, metAt: resolvedAt, targetMinutes: resolution },
      // The resolved period that met the target is its end, not a pause.
      resolvedAt === null ? inactive : clip(inactive, -Infinity, resolvedAt),
    );
  }
  return state;
}

export type TimerKind = 'warning' | 'breach';

export interface SlaTimer {
  /** Stable for a target, cycle and kind: `firstResponse:0:warning`. */
  key: string;
  target: SlaTargetName;
  cycle: number;
  kind: TimerKind;
  at: Date;
}

/** The key of a target's warning or breach; each is recorded once. */
export function timerKey(target: SlaTargetName, cycle: number, kind: TimerKind): string {
  return `${target}:${cycle}:${kind}`;
}

/** Every target that is still running, with its warning and breach instants (past ones included). */
export function armedTimers(state: SlaClockState): SlaTimer[] {
  const timers: SlaTimer[] = [];
  for (const target of [state.firstResponse, state.nextResponse, state.resolution]) {
    if (!target || target.status !== 'running') continue;
    if (target.warnAt)
      timers.push({
        key: timerKey(target.target, target.cycle, 'warning'),
        target: target.target,
        cycle: target.cycle,
        kind: 'warning',
        at: target.warnAt,
      });
    if (target.dueAt)
      timers.push({
        key: timerKey(target.target, target.cycle, 'breach'),
        target: target.target,
        cycle: target.cycle,
        kind: 'breach',
        at: target.dueAt,
      });
  }
  return timers.sort((a, b) => a.at.getTime() - b.at.getTime());
}

/**
 * Warnings and breaches whose time has come at `state`'s now, including those of targets met late (a
 * reply after the due time, with the timer lost) so the sweep still records them.
 */
export function dueEvents(state: SlaClockState): SlaTimer[] {
  const events: SlaTimer[] = [];
  const targets = [state.firstResponse, ...state.nextResponseCycles, state.resolution];
  for (const target of targets) {
    if (!target) continue;
    if (target.warned && target.warnAt)
      events.push({
        key: timerKey(target.target, target.cycle, 'warning'),
        target: target.target,
        cycle: target.cycle,
        kind: 'warning',
        at: target.warnAt,
      });
    if (target.breached && target.dueAt)
      events.push({
        key: timerKey(target.target, target.cycle, 'breach'),
        target: target.target,
        cycle: target.cycle,
        kind: 'breach',
        at: target.dueAt,
      });
  }
  return events.sort((a, b) => a.at.getTime() - b.at.getTime());
}
