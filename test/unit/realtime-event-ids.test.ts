import assert from 'node:assert/strict';
import { EVENT_ID_PATTERN, formatEventId, normalizeEventId } from '../../server/modules/realtime/event-id';
import { conversationRooms, principalRooms } from '../../server/modules/realtime/realtime-rooms';

describe('realtime event ids', () => {
  it('orders as strings the way the counters order as numbers', () => {
    const counters = [1, 9, 10, 99, 100, 12345, 9_000_000_000_000];
    const ids = counters.map(formatEventId);
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(formatEventId(42), '0000000000000042');
  });

  it('normalizes ids sent without their leading zeros', () => {
    assert.equal(normalizeEventId('42'), formatEventId(42));
    assert.equal(normalizeEventId('0000000000000042'), formatEventId(42));
  });

  it('rejects ids that are not decimal counters', () => {
    for (const bad of ['', '-1', '1e3', 'abc', '12345678901234567', ' 1'])
      assert.equal(EVENT_ID_PATTERN.test(bad), false, bad);
    assert.throws(() => formatEventId(-1), RangeError);
    assert.throws(() => formatEventId(1.5), RangeError);
  });
});

describe('realtime rooms', () => {
  it('addresses a conversation to its assignee, its team and the supervisors', () => {
    assert.deepEqual(conversationRooms({ assigneeId: 'a1', teamId: 't1' }).sort(), [
      'agent:a1',
      'supervisors',
      'team:t1',
    ]);
  });

  it('also tells the previous assignee of a reassignment', () => {
    assert.ok(
      conversationRooms({ assigneeId: 'a2', previousAssigneeId: 'a1', teamId: null }).includes('agent:a1'),
    );
  });

  it('always reaches supervisors, even for an unassigned conversation without a team', () => {
    assert.deepEqual(conversationRooms({}), ['supervisors']);
  });

  it('puts agents in their own and their teams rooms, and only supervisors and admins in supervisors', () => {
    assert.deepEqual(principalRooms({ agentId: 'a', role: 'agent', teamIds: ['t1', 't2'] }), [
      'agent:a',
      'team:t1',
      'team:t2',
    ]);
    assert.ok(principalRooms({ agentId: 's', role: 'supervisor', teamIds: [] }).includes('supervisors'));
    assert.ok(principalRooms({ agentId: 'x', role: 'admin', teamIds: [] }).includes('supervisors'));
  });
});
