/**
 * The "contact date reached" time trigger: a sweep schedules, for each enabled `contact_date` rule, one
 * delayed job per contact and occurrence (`auto:<rule>:contact-date:<contact>:<year>`, or `…:<date>` for a
 * one-off date) at the local time in the contact's timezone (luxon, so DST is right). When the job fires it
 * re-reads the rule and the contact: a date that changed or was removed, a contact merged or erased, a rule
 * disabled or changed, runs nothing; the rule's conditions are checked then too (by the engine).
 */
import type { Clock } from '../../lib/clock';
import { candidateMonthDays, occurrenceIn, occurrencesBetween } from '../../lib/local-dates';
import type { AutomationRuleDoc } from './automation.model';

export interface DatedContact {
  id: string;
  timezone: string | null;
  birthday: string | null;
  anniversary: string | null;
  attributes: Record<string, unknown>;
  mergedInto: string | null;
  erasedAt: string | null;
}

export interface ContactDatePorts {
  findContactsByDate(input: {
    field: string;
    monthDays: string[];
    afterId?: string | null;
    limit: number;
  }): Promise<DatedContact[]>;
  findContact(id: string): Promise<DatedContact | null>;
  /** The conversation a contact-date rule acts on: the contact's latest one (null: nothing to act on). */
  latestConversationId(contactId: string): Promise<string | null>;
  defaultTimezone: string;
}

export interface ContactDateJob {
  kind: 'contact_date';
  ruleId: string;
  contactId: string;
  date: string;
  /** The local year of the occurrence. */
  year: number;
  at: string;
  key: string;
}

type DateTrigger = Extract<AutomationRuleDoc['trigger'], { type: 'contact_date' }>;

const PAGE = 200;
const LOOKAHEAD_MS = 36 * 3_600_000;
/** How late a job may still fire (a worker that was down); later, the occurrence is skipped. */
const LATE_MS = 12 * 3_600_000;

export function dateOf(contact: DatedContact, field: string): string | null {
  const value = field.startsWith('attributes.')
    ? contact.attributes[field.slice('attributes.'.length)]
    : contact[field as 'birthday' | 'anniversary'];
  return typeof value === 'string' ? value : null;
}

export function createContactDateTrigger(deps: {
  ports: ContactDatePorts;
  clock: Clock;
  enabledRules(): Promise<AutomationRuleDoc[]>;
  findRule(id: string): Promise<AutomationRuleDoc | null>;
  enqueue(job: ContactDateJob, at: Date): Promise<void>;
}) {
  const zoneOf = (contact: DatedContact) => contact.timezone ?? deps.ports.defaultTimezone;

  /** Schedules the occurrences of the next 36 hours; returns how many jobs it asked for. */
  async function sweep(): Promise<number> {
    const now = deps.clock.now();
    const from = new Date(now.getTime() - LATE_MS);
    const to = new Date(now.getTime() + LOOKAHEAD_MS);
    const monthDays = candidateMonthDays(from, to);
    let scheduled = 0;
    for (const rule of await deps.enabledRules()) {
      const trigger = rule.trigger as DateTrigger;
      let afterId: string | null = null;
      for (;;) {
        const page = await deps.ports.findContactsByDate({
          field: trigger.field,
          monthDays,
          afterId,
          limit: PAGE,
        });
        for (const contact of page) {
          const date = dateOf(contact, trigger.field);
          if (!date) continue;
          const yearly = trigger.yearly ?? true;
          for (const { year, at } of occurrencesBetween({
            date,
            yearly,
            zone: zoneOf(contact),
            time: trigger.time,
            from,
            to,
          })) {
            const key = `contact-date:${contact.id}:${yearly ? year : date}`;
            await deps.enqueue(
              {
                kind: 'contact_date',
                ruleId: String(rule._id),
                contactId: contact.id,
                date,
                year,
                at: at.toISOString(),
                key,
              },
              at,
            );
            scheduled += 1;
          }
        }
        if (page.length < PAGE) break;
        afterId = page.at(-1)!.id;
      }
    }
    return scheduled;
  }

  /** When the job fires: the conversation to run the rule on, or null when the occurrence no longer holds. */
  async function resolve(job: ContactDateJob): Promise<string | null> {
    const rule = await deps.findRule(job.ruleId);
    if (!rule?.enabled || rule.trigger.type !== 'contact_date') return null;
    const contact = await deps.ports.findContact(job.contactId);
    if (!contact || contact.mergedInto || contact.erasedAt) return null;
    const date = dateOf(contact, rule.trigger.field);
    if (date !== job.date) return null;
    const due = new Date(job.at);
    const expected = occurrenceIn({
      date,
      yearly: rule.trigger.yearly ?? true,
      year: job.year,
      zone: zoneOf(contact),
      time: rule.trigger.time,
    });
    // The zone or the time of day changed since it was scheduled: the sweep schedules the new instant.
    if (expected?.getTime() !== due.getTime()) return null;
    const now = deps.clock.now().getTime();
    if (now < due.getTime() - 60_000 || now > due.getTime() + LATE_MS) return null;
    return deps.ports.latestConversationId(contact.id);
  }

  return { sweep, resolve };
}
