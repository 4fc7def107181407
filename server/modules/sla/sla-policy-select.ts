/**
 * SLA policy selection (pure): policies are tried in `order`; the first enabled one whose conditions all
 * match wins; otherwise the default policy applies (or none). An absent or empty condition list matches
 * anything.
 */

export const SLA_TARGETS = ['firstResponse', 'nextResponse', 'resolution'] as const;
export type SlaTargetName = (typeof SLA_TARGETS)[number];

export interface SlaConditions {
  categories?: string[];
  priorities?: string[];
  /** Contact tiers: A, B, C, VIP. */
  tiers?: string[];
  channels?: string[];
  teamIds?: string[];
}

export type EscalationRecipient = 'assignee' | 'owner' | 'supervisors' | 'teamLead';

export type EscalationAction =
  | { type: 'notify'; to: EscalationRecipient[]; email?: boolean }
  | { type: 'raisePriority'; to?: 'normal' | 'high' | 'urgent' }
  | { type: 'reassignTeam'; teamId: string };

export interface EscalationStep {
  /** When the step runs: at the warning or at the breach of `target` (`any`: of any target). */
  on: 'warning' | 'breach';
  target: SlaTargetName | 'any';
  actions: EscalationAction[];
}

/** The fields of a policy the pure logic needs (the stored document has more). */
export interface SlaPolicyRules {
  id: string;
  name: string;
  order: number;
  enabled: boolean;
  isDefault: boolean;
  conditions: SlaConditions;
  calendarId: string | null;
  /** Targets in business minutes on the policy's calendar; absent = not measured. */
  targets: Partial<Record<SlaTargetName, number>>;
  /** Fraction of a target at which the warning fires (0.8 = at 80 %). */
  warningThreshold: number;
  escalations: EscalationStep[];
}

/** What a conversation offers to the conditions. */
export interface PolicyFacts {
  category?: string | null;
  priority?: string | null;
  tier?: string | null;
  channel?: string | null;
  teamId?: string | null;
}

const CONDITION_FACTS: [keyof SlaConditions, keyof PolicyFacts][] = [
  ['categories', 'category'],
  ['priorities', 'priority'],
  ['tiers', 'tier'],
  ['channels', 'channel'],
  ['teamIds', 'teamId'],
];

/** True when every non-empty condition list contains the conversation's value. */
export function policyMatches(conditions: SlaConditions, facts: PolicyFacts): boolean {
  return CONDITION_FACTS.every(([condition, fact]) => {
    const allowed = conditions[condition];
    if (!allowed || allowed.length === 0) return true;
    const value = facts[fact];
    return value !== null && value !== undefined && allowed.includes(value);
  });
}

/** The policy that applies to a conversation, or null when none matches and there is no default. */
export function selectPolicy<P extends SlaPolicyRules>(policies: readonly P[], facts: PolicyFacts): P | null {
  const ordered = policies
    .filter((policy) => policy.enabled)
    .sort((a, b) => a.order - b.order || a.id.localeCompare(b.id));
  const matched = ordered.find((policy) => !policy.isDefault && policyMatches(policy.conditions, facts));
  return matched ?? ordered.find((policy) => policy.isDefault) ?? null;
}
