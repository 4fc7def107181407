import assert from 'node:assert/strict';
import { policyMatches, selectPolicy, type SlaPolicyRules } from '../../server/modules/sla/sla-policy-select';

const policy = (
  id: string,
  order: number,
  conditions: SlaPolicyRules['conditions'],
  extra: Partial<SlaPolicyRules> = {},
): SlaPolicyRules => ({
  id,
  name: id,
  order,
  enabled: true,
  isDefault: false,
  conditions,
  calendarId: null,
  targets: { firstResponse: 60 },
  warningThreshold: 0.8,
  escalations: [],
  ...extra,
});

describe('SLA policy selection', () => {
  const policies = [
    policy('default', 99, {}, { isDefault: true }),
    policy('vip-complaint', 1, { categories: ['complaint'], tiers: ['VIP'] }),
    policy('urgent', 2, { priorities: ['urgent', 'high'] }),
    policy('complaint', 3, { categories: ['complaint'] }),
    policy('disabled-everything', 0, {}, { enabled: false }),
  ];

  it('picks the first matching policy in order', () => {
    assert.equal(
      selectPolicy(policies, { category: 'complaint', tier: 'VIP', priority: 'urgent' })?.id,
      'vip-complaint',
    );
    assert.equal(
      selectPolicy(policies, { category: 'complaint', tier: 'A', priority: 'urgent' })?.id,
      'urgent',
    );
    assert.equal(
      selectPolicy(policies, { category: 'complaint', tier: 'A', priority: 'normal' })?.id,
      'complaint',
    );
  });

  it('falls back to the default policy, never to a disabled one', () => {
    assert.equal(selectPolicy(policies, { category: 'inquiry', priority: 'normal' })?.id, 'default');
    assert.equal(selectPolicy(policies.slice(1), { category: 'inquiry' }), null);
  });

  it('requires every listed condition and treats a missing fact as not matching', () => {
    assert.equal(
      policyMatches({ channels: ['sms'], teamIds: ['t1'] }, { channel: 'sms', teamId: 't1' }),
      true,
    );
    assert.equal(
      policyMatches({ channels: ['sms'], teamIds: ['t1'] }, { channel: 'sms', teamId: 't2' }),
      false,
    );
    assert.equal(policyMatches({ tiers: ['VIP'] }, { tier: null }), false);
    assert.equal(policyMatches({ tiers: [] }, {}), true);
  });

  it('breaks ties in order by id so selection is stable', () => {
    const tied = [policy('b', 1, {}), policy('a', 1, {})];
    assert.equal(selectPolicy(tied, {})?.id, 'a');
  });
});
