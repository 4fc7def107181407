import assert from 'node:assert/strict';
import { expectedWait, WAIT_HISTORY } from '../../server/modules/routing/queue-wait';

describe('web chat expected wait (team queue history)', () => {
  const now = new Date('2026-03-02T10:00:00Z');
  const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
  /** An assignment `assignedMinAgo` minutes ago after waiting `waitedMin` minutes in the queue. */
  const assignment = (assignedMinAgo: number, waitedMin: number) => ({
    queuedAt: minutesAgo(assignedMinAgo + waitedMin),
    assignedAt: minutesAgo(assignedMinAgo),
  });

  it('gives no estimate with fewer recent assignments than it needs', () => {
    const recent = [assignment(5, 1), assignment(10, 2)];
    assert.equal(WAIT_HISTORY.minSamples, 3);
    assert.equal(expectedWait({ position: 1, recent, now }), null);
    assert.equal(expectedWait({ position: 1, recent: [], now }), null);
  });

  it('ignores assignments older than the window', () => {
    const recent = [assignment(5, 1), assignment(10, 2), assignment(61, 1), assignment(90, 1)];
    assert.equal(expectedWait({ position: 1, recent, now }), null);
  });

  it('scales with the position at the rate the team took conversations off the queue', () => {
    // Six assignments in the last 30 minutes: one every five minutes.
    const recent = [5, 10, 15, 20, 25, 30].map((ago) => assignment(ago, 3));
    const first = expectedWait({ position: 1, recent, now });
    const third = expectedWait({ position: 3, recent, now });
    assert.deepEqual(first, { seconds: 300, samples: 6, windowMinutes: 60, medianWaitSeconds: 180 });
    assert.equal(third?.seconds, 900);
  });

  it('reports the median of the recent waits', () => {
    const recent = [assignment(1, 1), assignment(2, 9), assignment(3, 2), assignment(4, 4)];
    assert.equal(expectedWait({ position: 1, recent, now })?.medianWaitSeconds, 180);
  });

  it('does not turn a burst of assignments within a second into a huge rate', () => {
    const burst = [0, 0, 0].map(() => ({ queuedAt: minutesAgo(1), assignedAt: now }));
    // Three in (at least) one minute: 20 s a place.
    assert.equal(expectedWait({ position: 1, recent: burst, now })?.seconds, 20);
  });
});

describe('web chat widget wait phrases (en, zh-CN)', () => {
  it('rounds the estimate up to whole minutes and says when there is none', async () => {
    const { STRINGS } = await import('../../connectors/webchat/widget/i18n');
    assert.equal(STRINGS.en.expectedWait(80), 'Expected wait: about 2 min.');
    assert.equal(STRINGS.en.expectedWait(59), 'Expected wait: less than a minute.');
    assert.equal(STRINGS['zh-CN'].expectedWait(160), '预计等待约 3 分钟。');
    assert.equal(STRINGS['zh-CN'].expectedWait(30), '预计等待不到 1 分钟。');
    assert.match(STRINGS.en.noWaitEstimate, /No wait estimate yet/);
    assert.match(STRINGS['zh-CN'].noWaitEstimate, /暂无等待时间估计/);
  });
});
