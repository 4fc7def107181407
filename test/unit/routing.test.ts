import assert from 'node:assert/strict';
import {
  rankCandidates,
  isEligible,
  type CandidateAgent,
} from '../../server/modules/routing/agent-selection';
import { requirementsFromTags } from '../../server/modules/routing/dispatcher';
import { capacityClassOf, priorityPoints, queueSortKey } from '../../server/modules/routing/routing-priority';

const now = new Date('2026-03-02T02:00:00Z');
const capacity = { voice: 1, chat: 3, messaging: 5, email: 10 };
const agent = (id: string, extra: Partial<CandidateAgent> = {}): CandidateAgent => ({
  agentId: id,
  skills: [],
  languages: [],
  capacity,
  load: {},
  idleSince: new Date('2026-03-02T01:00:00Z'),
  lastOfferedAt: null,
  ...extra,
});
const need = { capacityClass: 'messaging' as const, skills: [], excludedAgentIds: [] };

describe('routing priority and aging', () => {
  it('maps channels to capacity classes', () => {
    assert.equal(capacityClassOf('voice'), 'voice');
    assert.equal(capacityClassOf('webchat'), 'chat');
    assert.equal(capacityClassOf('email'), 'email');
    for (const channel of ['sms', 'whatsapp', 'wechat', 'telegram', 'messenger', 'instagram'])
      assert.equal(capacityClassOf(channel), 'messaging');
  });

  it('ranks urgent above normal, complaints and VIPs higher, and SLA pressure near the due time', () => {
    const base = { priority: 'normal', category: 'inquiry', now };
    assert.equal(priorityPoints(base), 10);
    assert.equal(priorityPoints({ ...base, priority: 'urgent' }), 30);
    assert.equal(priorityPoints({ ...base, category: 'complaint' }), 25);
    assert.equal(priorityPoints({ ...base, tier: 'VIP' }), 30);
    assert.equal(priorityPoints({ ...base, slaDueAt: new Date(now.getTime() + 2 * 3600_000) }), 10);
    assert.equal(priorityPoints({ ...base, slaDueAt: new Date(now.getTime() + 30 * 60_000) }), 18);
    assert.equal(priorityPoints({ ...base, slaDueAt: new Date(now.getTime() - 60_000) }), 25);
  });

  it('lets age overtake priority so nothing starves', () => {
    const minute = 60_000;
    const oldLow = queueSortKey(new Date(now.getTime() - 31 * minute), 0, minute);
    const newUrgent = queueSortKey(now, 30, minute);
    assert.ok(
      oldLow < newUrgent,
      'a low-priority conversation waiting 31 minutes goes before an urgent one just in',
    );
    const youngLow = queueSortKey(new Date(now.getTime() - 29 * minute), 0, minute);
    assert.ok(newUrgent < youngLow);
  });

  it('reads requirements from tags', () => {
    assert.deepEqual(requirementsFromTags(['vip', 'skill:billing', 'skill:refunds', 'lang:zh-CN']), {
      'routing.requiredSkills': ['billing', 'refunds'],
      'routing.language': 'zh-CN',
    });
    assert.deepEqual(requirementsFromTags([]), { 'routing.requiredSkills': [], 'routing.language': null });
  });
});

describe('agent selection', () => {
  it('excludes agents at capacity, without the skills or language, or who declined', () => {
    assert.equal(isEligible(agent('a', { load: { messaging: 5 } }), need), false);
    assert.equal(isEligible(agent('a', { load: { messaging: 4, voice: 1 } }), need), true);
    assert.equal(isEligible(agent('a', { skills: ['sales'] }), { ...need, skills: ['billing'] }), false);
    assert.equal(isEligible(agent('a', { languages: ['zh-CN'] }), { ...need, language: 'zh' }), true);
    assert.equal(isEligible(agent('a', { languages: ['en-US'] }), { ...need, language: 'zh-CN' }), false);
    assert.equal(isEligible(agent('a'), { ...need, excludedAgentIds: ['a'] }), false);
  });

  it('orders by longest idle, least busy and round robin', () => {
    const early = agent('early', {
      idleSince: new Date('2026-03-02T00:00:00Z'),
      load: { messaging: 4 },
      lastOfferedAt: now,
    });
    const late = agent('late', {
      idleSince: new Date('2026-03-02T01:30:00Z'),
      load: { messaging: 1 },
      lastOfferedAt: new Date('2026-03-01T00:00:00Z'),
    });
    const never = agent('never', { idleSince: new Date('2026-03-02T01:45:00Z'), load: { messaging: 2 } });
    const ids = (list: CandidateAgent[]) => list.map((a) => a.agentId);
    assert.deepEqual(ids(rankCandidates('longest-idle', [late, never, early], need)), [
      'early',
      'late',
      'never',
    ]);
    assert.deepEqual(ids(rankCandidates('least-busy', [early, never, late], need)), [
      'late',
      'never',
      'early',
    ]);
    assert.deepEqual(ids(rankCandidates('round-robin', [early, late, never], need)), [
      'never',
      'late',
      'early',
    ]);
    assert.deepEqual(rankCandidates('manual', [early, late], need), []);
  });
});
