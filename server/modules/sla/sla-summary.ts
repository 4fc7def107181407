/**
 * Maps the computed clock state onto the fields stored in the conversation's `sla` sub-document (pure).
 * Reports aggregate these stored numbers; the list filter and the at-risk view read `nextDueAt`; the sweep
 * reads `nextTimerAt`.
 */
import { armedTimers, type SlaClockState, type SlaTimer, type TargetState } from './sla-clock';

export interface StoredTarget {
  status: TargetState['status'];
  dueAt: Date | null;
  warnAt: Date | null;
  metAt: Date | null;
  breached: boolean;
  /** Set once met: business and wall-clock minutes from the start, pauses excluded from the former. */
  businessMinutes: number | null;
  calendarMinutes: number | null;
  pausedBusinessMinutes: number;
}

export interface SlaSummary {
  startedAt: Date | null;
  paused: boolean;
  firstResponse: StoredTarget | null;
  nextResponse: (StoredTarget & { cycle: number; cycles: number; breaches: number }) | null;
  resolution: StoredTarget | null;
  firstResponseDueAt: Date | null;
  nextResponseDueAt: Date | null;
  resolutionDueAt: Date | null;
  /** The earliest breach due time of a running target (what is at risk soonest). */
  nextDueAt: Date | null;
  /** The earliest warning or breach not yet recorded (what the sweep looks for). */
  nextTimerAt: Date | null;
  /** Targets (next-response cycles counted one by one) breached so far. */
  breachCount: number;
  breached: boolean;
  timers: { key: string; at: Date }[];
}

const round = (value: number) => Math.round(value * 1000) / 1000;

function storeTarget(target: TargetState | null): StoredTarget | null {
  if (!target) return null;
  const met = target.status === 'met';
  return {
    status: target.status,
    dueAt: target.dueAt,
    warnAt: target.warnAt,
    metAt: target.metAt,
    breached: target.breached,
    businessMinutes: met ? round(target.businessMinutes) : null,
    calendarMinutes: met ? round(target.calendarMinutes) : null,
    pausedBusinessMinutes: round(target.pausedBusinessMinutes),
  };
}

const runningDue = (target: TargetState | null) => (target?.status === 'running' ? target.dueAt : null);

/** The stored summary of a state; `recorded` holds the keys of warnings and breaches already recorded. */
export function summarize(state: SlaClockState, recorded: ReadonlySet<string>): SlaSummary {
  const timers: SlaTimer[] = armedTimers(state).filter((timer) => !recorded.has(timer.key));
  const cycles = state.nextResponseCycles;
  const nextResponse = state.nextResponse
    ? {
        ...storeTarget(state.nextResponse)!,
        cycle: state.nextResponse.cycle,
        cycles: cycles.length,
        breaches: cycles.filter((c) => c.breached).length,
      }
    : null;
  const dues = [state.firstResponse, state.nextResponse, state.resolution]
    .map(runningDue)
    .filter((d): d is Date => d !== null)
    .sort((a, b) => a.getTime() - b.getTime());
  const breachCount =
    (state.firstResponse?.breached ? 1 : 0) +
    (nextResponse?.breaches ?? 0) +
    (state.resolution?.breached ? 1 : 0);
  return {
    startedAt: state.startedAt,
    paused: state.paused,
    firstResponse: storeTarget(state.firstResponse),
    nextResponse,
    resolution: storeTarget(state.resolution),
    firstResponseDueAt: runningDue(state.firstResponse),
    nextResponseDueAt: runningDue(state.nextResponse),
    resolutionDueAt: runningDue(state.resolution),
    nextDueAt: dues[0] ?? null,
    nextTimerAt: timers[0]?.at ?? null,
    breachCount,
    breached: breachCount > 0,
    timers: timers.map((timer) => ({ key: timer.key, at: timer.at })),
  };
}
