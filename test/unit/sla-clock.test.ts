import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import type { BusinessCalendar, TimeRange } from '../../server/modules/sla/business-calendar';
import {
  armedTimers,
  computeSlaState,
  dueEvents,
  type SlaClockInput,
  type SlaHistoryEvent,
} from '../../server/modules/sla/sla-clock';

const shift: TimeRange[] = [
  { start: '09:00', end: '12:00' },
  { start: '13:30', end: '18:00' },
];
const calendar: BusinessCalendar = {
  timezone: 'Asia/Shanghai',
  weekly: { mon: shift, tue: shift, wed: shift, thu: shift, fri: shift },
};
/** Monday 28 September 2026, Shanghai wall time. */
const at = (time: string, date = '2026-09-28') =>
  DateTime.fromISO(`${date}T${time}`, { zone: 'Asia/Shanghai' }).toJSDate();

const inbound = (time: string, date?: string): SlaHistoryEvent => ({ type: 'inbound', at: at(time, date) });
const humanReply = (time: string, date?: string): SlaHistoryEvent => ({
  type: 'reply',
  at: at(time, date),
  human: true,
  public: true,
});
const status = (
  s: 'open' | 'pending' | 'snoozed' | 'resolved' | 'closed',
  time: string,
  date?: string,
): SlaHistoryEvent => ({
  type: 'status',
  at: at(time, date),
  status: s,
});

const compute = (
  history: SlaHistoryEvent[],
  now: Date,
  targets: SlaClockInput['targets'] = { firstResponse: 60, nextResponse: 30, resolution: 480 },
) => computeSlaState({ history, targets, warningThreshold: 0.8, calendar, now });

describe('SLA clock', () => {
  it('does not start before the first inbound message', () => {
    const state = compute([status('open', '09:00')], at('10:00'));
    assert.equal(state.startedAt, null);
    assert.equal(state.firstResponse, null);
  });

  it('sets the first-response due and warning times in business time from the first inbound', () => {
    const state = compute([inbound('11:30')], at('11:31'));
    assert.deepEqual(state.firstResponse?.dueAt, at('14:00'));
    assert.deepEqual(state.firstResponse?.warnAt, at('13:48'));
    assert.equal(state.firstResponse?.status, 'running');
    assert.equal(state.firstResponse?.breached, false);
  });

  it('is met by a human public reply, not by an auto-reply or a note', () => {
    const history: SlaHistoryEvent[] = [
      inbound('09:00'),
      { type: 'reply', at: at('09:01'), human: false, public: true },
      { type: 'reply', at: at('09:05'), human: true, public: false },
    ];
    const unmet = compute(history, at('09:30'));
    assert.equal(unmet.firstResponse?.status, 'running');
    assert.equal(unmet.firstResponse?.metAt, null);
    const met = compute([...history, humanReply('09:40')], at('09:45'));
    assert.equal(met.firstResponse?.status, 'met');
    assert.deepEqual(met.firstResponse?.metAt, at('09:40'));
    assert.equal(met.firstResponse?.businessMinutes, 40);
    assert.equal(met.firstResponse?.breached, false);
    assert.equal(met.firstResponse?.warned, false);
  });

  it('marks a target breached at its due time, not a millisecond before', () => {
    const history = [inbound('09:00')];
    assert.equal(compute(history, new Date(at('10:00').getTime() - 1)).firstResponse?.breached, false);
    assert.equal(compute(history, at('10:00')).firstResponse?.breached, true);
    assert.equal(compute(history, at('09:48')).firstResponse?.warned, true);
  });

  it('counts a reply after the due time as met late (breached)', () => {
    const state = compute([inbound('09:00'), humanReply('10:30')], at('11:00'));
    assert.equal(state.firstResponse?.status, 'met');
    assert.equal(state.firstResponse?.breached, true);
    assert.deepEqual(
      dueEvents(state).map((e) => e.key),
      ['firstResponse:0:warning', 'firstResponse:0:breach'],
    );
  });

  it('pauses while waiting on the customer and adds the paused business time to the due time', () => {
    const history = [inbound('09:00'), status('pending', '09:20')];
    const paused = compute(history, at('11:00'));
    assert.equal(paused.paused, true);
    assert.equal(paused.firstResponse?.status, 'paused');
    assert.equal(paused.firstResponse?.dueAt, null);
    assert.equal(paused.firstResponse?.remainingMinutes, 40);
    assert.deepEqual(armedTimers(paused), []);

    // Resumed at 14:00: 40 business minutes were left → 14:40; 190 business minutes were paused.
    const resumed = compute([...history, status('open', '14:00')], at('14:01'));
    assert.deepEqual(resumed.firstResponse?.dueAt, at('14:40'));
    assert.equal(resumed.firstResponse?.pausedBusinessMinutes, 190);
    // Resolution: 20 used before the pause, 460 left from 14:00 → 240 today, 180 + 40 Tuesday → 14:10.
    assert.deepEqual(resumed.resolution?.dueAt, at('14:10', '2026-09-29'));
  });

  it('treats snoozed like pending and ignores pauses after the target was met', () => {
    const history = [
      inbound('09:00'),
      humanReply('09:10'),
      status('snoozed', '09:20'),
      status('open', '10:20'),
    ];
    const state = compute(history, at('10:30'));
    assert.deepEqual(state.firstResponse?.dueAt, at('10:00'));
    assert.equal(state.firstResponse?.breached, false);
    assert.equal(state.resolution?.pausedBusinessMinutes, 60);
    assert.equal(state.resolution?.businessMinutes, 30);
  });

  it('stops on resolution and resumes the resolution clock on reopening', () => {
    const history = [inbound('09:00'), humanReply('09:30'), status('resolved', '10:00')];
    const resolved = compute(history, at('11:00'));
    assert.equal(resolved.resolution?.status, 'met');
    assert.equal(resolved.resolution?.businessMinutes, 60);
    assert.deepEqual(armedTimers(resolved), []);

    const reopened = compute([...history, status('open', '13:30'), inbound('13:30')], at('14:00'));
    assert.equal(reopened.resolution?.status, 'running');
    // 480 − 60 used before resolution = 420 from 13:30 → 270 today, 150 tomorrow → Tue 11:30.
    assert.deepEqual(reopened.resolution?.dueAt, at('11:30', '2026-09-29'));
    assert.equal(reopened.resolution?.businessMinutes, 90);

    const resolvedAgain = compute(
      [...history, status('open', '13:30'), status('resolved', '15:00')],
      at('16:00'),
    );
    assert.equal(resolvedAgain.resolution?.businessMinutes, 150);
    assert.equal(resolvedAgain.resolution?.calendarMinutes, 360);
  });

  it('opens a next-response cycle when the customer writes after our reply', () => {
    const history = [
      inbound('09:00'),
      humanReply('09:10'),
      inbound('09:20'),
      inbound('09:25'),
      { type: 'reply', at: at('09:30'), human: false, public: true } as SlaHistoryEvent,
      humanReply('09:50'),
      inbound('11:50'),
    ];
    const state = compute(history, at('11:55'));
    assert.equal(state.nextResponseCycles.length, 2);
    assert.equal(state.nextResponseCycles[0]?.businessMinutes, 30);
    assert.equal(state.nextResponseCycles[0]?.breached, false);
    assert.equal(state.nextResponse?.cycle, 2);
    // 11:50 + 30 business minutes: 10 before lunch, 20 after → 13:50.
    assert.deepEqual(state.nextResponse?.dueAt, at('13:50'));
    assert.deepEqual(
      armedTimers(state).map((t) => t.key),
      ['nextResponse:2:warning', 'nextResponse:2:breach', 'resolution:0:warning', 'resolution:0:breach'],
    );
  });

  it('does not measure targets the policy leaves out', () => {
    const state = compute([inbound('09:00')], at('09:01'), { resolution: 60 });
    assert.equal(state.firstResponse, null);
    assert.equal(state.nextResponse, null);
    assert.deepEqual(state.resolution?.dueAt, at('10:00'));
  });

  it('ignores events after now', () => {
    const state = compute([inbound('09:00'), humanReply('09:30')], at('09:20'));
    assert.equal(state.firstResponse?.status, 'running');
  });
});
