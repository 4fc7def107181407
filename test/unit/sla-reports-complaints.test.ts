import assert from 'node:assert/strict';
import { parseCsatAnswer, templateChannelFor } from '../../server/modules/sla/sla-complaints';
import { raisedPriority, repeatsEarlierCycle } from '../../server/modules/sla/sla-escalation';
import { durationStats, percentile, reportToCsv, type SlaReport } from '../../server/modules/sla/sla-reports';
import { compactAdditions } from '../../server/modules/sla/sla.service';

describe('SLA report arithmetic, CSV and complaint helpers', () => {
  it('interpolates percentiles between closest ranks', () => {
    assert.equal(percentile([], 0.5), null);
    assert.equal(percentile([7], 0.9), 7);
    assert.equal(percentile([10, 20, 30, 40], 0.5), 25);
    assert.equal(percentile([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.9), 90);
    assert.deepEqual(durationStats([30, null, 10, 'x', 20]), { count: 3, median: 20, p90: 28, mean: 20 });
  });

  it('writes CSV with quoting and neutralizes spreadsheet formulas', () => {
    const row = {
      group: 'g1',
      label: '=HYPERLINK("x"), team',
      count: 2,
      firstResponse: { business: durationStats([1, 2]), calendar: durationStats([1, 2]) },
      resolution: { business: durationStats([]), calendar: durationStats([]) },
      measured: 2,
      compliancePct: 50,
      breaches: 1,
      breachedConversations: 1,
      backlog: { lt1d: 1, d1to3: 0, d3to7: 0, gt7d: 0, total: 1 },
      csat: { responses: 0, average: null, satisfiedPct: null, targetPct: 85 },
    };
    const csv = reportToCsv({
      rows: [row],
      totals: { ...row, group: null, label: '(all)' },
    } as unknown as SlaReport);
    const lines = csv.trim().split('\r\n');
    assert.equal(lines.length, 3);
    assert.ok(lines[1]!.startsWith(`g1,"'=HYPERLINK(""x""), team",2,1.5,`));
    assert.ok(lines[2]!.startsWith(',(all),2,'));
  });

  it('reads CSAT answers in ASCII or full-width digits, and nothing else', () => {
    assert.equal(parseCsatAnswer(' 5 '), 5);
    assert.equal(parseCsatAnswer('４'), 4);
    assert.equal(parseCsatAnswer('3分'), 3);
    assert.equal(parseCsatAnswer('1/5'), 1);
    assert.equal(parseCsatAnswer('6'), null);
    assert.equal(parseCsatAnswer('I waited 5 days'), null);
    assert.equal(parseCsatAnswer(undefined), null);
  });

  it('maps conversation channels onto template channels', () => {
    assert.equal(templateChannelFor('email'), 'email');
    assert.equal(templateChannelFor('whatsapp'), 'sms');
    assert.equal(templateChannelFor('wechat'), 'chat');
  });

  it('raises priority one level, or to the step’s level, never down', () => {
    assert.equal(raisedPriority('normal'), 'high');
    assert.equal(raisedPriority('urgent'), null);
    assert.equal(raisedPriority('low', 'urgent'), 'urgent');
    assert.equal(raisedPriority('urgent', 'high'), null);
  });

  it('emails a breach once per conversation and target, not again for a later next-response cycle', () => {
    const event = (target: string, kind: 'warning' | 'breach', cycle: number) => ({
      key: `${target}:${cycle}:${kind}`,
      kind,
      target,
      cycle,
      dueAt: new Date(0),
      firedAt: new Date(0),
      policyId: null,
    });
    const conversation = (events: ReturnType<typeof event>[]) =>
      ({ sla: { events } }) as unknown as Parameters<typeof repeatsEarlierCycle>[0];
    const first = event('nextResponse', 'breach', 1);
    const second = event('nextResponse', 'breach', 2);
    assert.equal(repeatsEarlierCycle(conversation([first]), first), false);
    assert.equal(repeatsEarlierCycle(conversation([first, second]), second), true);
    assert.equal(
      repeatsEarlierCycle(conversation([event('nextResponse', 'warning', 1), second]), second),
      false,
      'a warning does not stand for a breach',
    );
    assert.equal(
      repeatsEarlierCycle(conversation([event('firstResponse', 'breach', 0), first]), first),
      false,
      'another target is another notice',
    );
  });

  it('keeps only the history events that can move a clock', () => {
    const t = (m: number) => new Date(Date.UTC(2026, 0, 1, 9, m));
    const stored = [{ type: 'inbound' as const, at: t(0), ref: 'a' }];
    const kept = compactAdditions(stored, [
      { type: 'inbound', at: t(1), ref: 'b' },
      { type: 'reply', at: t(2), ref: 'r1', human: true, public: true },
      { type: 'reply', at: t(3), ref: 'r2', human: true, public: true },
      { type: 'inbound', at: t(4), ref: 'c' },
      { type: 'inbound', at: t(4), ref: 'a' },
    ]);
    assert.deepEqual(
      kept.map((e) => e.ref),
      ['r1', 'c'],
    );
  });
});
