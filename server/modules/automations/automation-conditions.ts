/**
 * Condition evaluation (pure): every condition must hold. Facts are the conversation, its contact, the
 * triggering message and whether it is business time on the team's calendar.
 */
import type { AutomationCondition } from './automation.schemas';

export interface AutomationFacts {
  conversation: {
    status: string;
    priority: string;
    category: string;
    channel: string;
    teamId: string | null;
    assigneeId: string | null;
    inboxId: string | null;
    tags: string[];
  };
  contact: {
    tier: string | null;
    tags: string[];
    locale: string | null;
    rfmSegment: string | null;
    attributes: Record<string, unknown>;
  } | null;
  message?: { text: string } | null;
  businessHours: boolean;
}

function read(facts: AutomationFacts, field: string): unknown {
  if (field === 'businessHours') return facts.businessHours;
  if (field === 'message.text') return facts.message?.text ?? null;
  const [root, key, sub] = field.split('.') as [string, string, string | undefined];
  if (root === 'conversation') {
    const value = facts.conversation[key as keyof AutomationFacts['conversation']];
    return value === undefined ? null : value;
  }
  if (!facts.contact) return null;
  if (key === 'attributes' && sub) return facts.contact.attributes[sub] ?? null;
  const value = facts.contact[key as keyof NonNullable<AutomationFacts['contact']>];
  return value === undefined ? null : value;
}

const lower = (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value);

export function conditionHolds(condition: AutomationCondition, facts: AutomationFacts): boolean {
  const actual = read(facts, condition.field);
  const expected = condition.value;
  const list = Array.isArray(expected) ? expected : [expected];
  const values = Array.isArray(actual) ? actual : [actual];
  switch (condition.op) {
    case 'exists':
      return actual !== null && actual !== '' && !(Array.isArray(actual) && actual.length === 0);
    case 'not_exists':
      return !conditionHolds({ ...condition, op: 'exists' }, facts);
    case 'eq':
      return Array.isArray(actual) ? actual.includes(expected) : actual === expected;
    case 'ne':
      return !conditionHolds({ ...condition, op: 'eq' }, facts);
    case 'in':
      return values.some((value) => list.includes(value as never));
    case 'not_in':
      return !values.some((value) => list.includes(value as never));
    case 'contains':
      return values.some(
        (value) =>
          typeof value === 'string' &&
          list.some((e) => typeof e === 'string' && String(lower(value)).includes(String(lower(e)))),
      );
    case 'not_contains':
      return !conditionHolds({ ...condition, op: 'contains' }, facts);
  }
}

export function conditionsHold(conditions: readonly AutomationCondition[], facts: AutomationFacts): boolean {
  return conditions.every((condition) => conditionHolds(condition, facts));
}
