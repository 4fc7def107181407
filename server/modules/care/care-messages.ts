/**
 * Care messages to customers: birthday and anniversary greetings (once a year, at a local time of day in
 * the contact's timezone) and the re-engagement of tier A / VIP customers who went quiet. Every one:
 * - is skipped for a contact who opted out (`careOptOut`, set by the API/UI or a 退订 / STOP message);
 * - is postponed, never dropped, when it would reach the customer during quiet hours in their timezone;
 * - is claimed once by its key before it is sent (a job run twice sends once);
 * - goes through the channel's reply-window check and then the automated outbound path.
 */
import type { Connection } from 'mongoose';
import { isDuplicateKeyError } from '../../infra/mongo-errors';
import { AppError } from '../../lib/app-error';
import type { Clock } from '../../lib/clock';
import {
  candidateMonthDays,
  isQuietTime,
  nextAllowedTime,
  occurrenceIn,
  occurrencesBetween,
} from '../../lib/local-dates';
import type { Logger } from '../../lib/logger';
import { careSendModel, type CareKind, type CareSendRecord } from './care-send.model';
import { chooseCareTarget, textChannelOf, type RecentConversation } from './care-target';

export interface CareContact {
  id: string;
  name: string;
  locale: string | null;
  timezone: string | null;
  preferredChannel: string | null;
  careOptOut: boolean;
  birthday: string | null;
  anniversary: string | null;
  tier: string | null;
  mergedInto: string | null;
  erasedAt: string | null;
}

export type CareJob =
  | { kind: 'greeting'; type: 'birthday' | 'anniversary'; contactId: string; year: number; date: string }
  | { kind: 'reengage'; contactId: string; since: string };

export interface CareSettings {
  /** Local time of day of greetings, `HH:mm`. */
  greetingTime: string;
  quietStart: string;
  quietEnd: string;
  defaultTimezone: string;
  /** Re-engage tier A / VIP contacts after this many days without a conversation (0: never). */
  reengageDays: number;
  companyName: string;
}

export interface CareMessageDeps {
  connection: Connection;
  clock: Clock;
  logger: Logger;
  settings: CareSettings;
  findContact(id: string): Promise<CareContact | null>;
  findContactsByDate(input: {
    field: string;
    monthDays: string[];
    afterId?: string | null;
    limit: number;
  }): Promise<CareContact[]>;
  listContactsByTier(input: {
    tiers: string[];
    afterId?: string | null;
    limit: number;
  }): Promise<CareContact[]>;
  recentConversations(contactId: string): Promise<RecentConversation[]>;
  openConversation(input: {
    contactId: string;
    contactName: string;
    channel: string;
    inboxId: string;
    previousConversationId: string;
    openingKey: string;
  }): Promise<string>;
  render(input: { key: string; channel: string; locale?: string; data: Record<string, unknown> }): {
    text: string;
    html?: string;
    subject?: string;
  };
  /** The channel's reply-window check (throws a CONFLICT AppError when the channel would drop the text). */
  prepareReply(input: {
    conversationId: string;
    channel: string;
    inboxId: string;
    text: string;
  }): Promise<string>;
  sendAutomated(input: {
    conversationId: string;
    template: string;
    text: string;
    html?: string;
    subject?: string;
    via: { channel: string; inboxId: string };
  }): Promise<{ messageId?: string } | void>;
  /** Queues a care job at `at` under `jobId` (a job id already queued is not added twice). */
  schedule(job: CareJob, jobId: string, at: Date): Promise<void>;
}

const PAGE = 200;
/** How far ahead the sweep schedules greetings, and how late one may still go out. */
const LOOKAHEAD_MS = 36 * 3_600_000;
const LATE_MS = 12 * 3_600_000;
const TEMPLATE: Record<CareKind, string> = {
  birthday: 'care-birthday',
  anniversary: 'care-anniversary',
  reengage: 'care-reengage',
};

export const greetingJobId = (job: Extract<CareJob, { kind: 'greeting' }>) =>
  `care:${job.type}:${job.contactId}:${job.year}`;
export const reengageJobId = (job: Extract<CareJob, { kind: 'reengage' }>) =>
  `care:reengage:${job.contactId}:${new Date(job.since).getTime()}`;

export function createCareMessages(deps: CareMessageDeps) {
  const Sends = careSendModel(deps.connection);
  const { settings, clock } = deps;
  const zoneOf = (contact: CareContact) => contact.timezone ?? settings.defaultTimezone;

  type Outcome = CareSendRecord['status'] | 'postponed' | 'duplicate' | 'stale';

  async function record(key: string, set: Partial<CareSendRecord>) {
    await Sends.updateOne({ key }, { $set: set });
  }

  /** Sends one care message under `key` (see the module comment for the rules). */
  async function deliver(input: {
    kind: CareKind;
    key: string;
    contact: CareContact;
    job: CareJob;
    jobId: string;
  }): Promise<{ outcome: Outcome; at?: Date }> {
    const { contact, key } = input;
    const now = clock.now();
    if (await Sends.exists({ key })) return { outcome: 'duplicate' };
    const quiet = { start: settings.quietStart, end: settings.quietEnd, zone: zoneOf(contact) };
    if (!contact.careOptOut && isQuietTime(now, quiet)) {
      const at = nextAllowedTime(now, quiet);
      await deps.schedule(input.job, `${input.jobId}:after:${at.getTime()}`, at);
      return { outcome: 'postponed', at };
    }
    try {
      await Sends.create([{ key, kind: input.kind, contactId: contact.id, status: 'sending', at: now }]);
    } catch (error) {
      if (isDuplicateKeyError(error)) return { outcome: 'duplicate' };
      throw error;
    }
    try {
      if (contact.careOptOut) {
        await record(key, { status: 'opted_out' });
        return { outcome: 'opted_out' };
      }
      const target = chooseCareTarget(await deps.recentConversations(contact.id), contact.preferredChannel);
      if (!target) {
        await record(key, { status: 'no_channel' });
        return { outcome: 'no_channel' };
      }
      const conversationId =
        target.kind === 'existing'
          ? target.conversationId
          : await deps.openConversation({
              contactId: contact.id,
              contactName: contact.name,
              channel: target.channel,
              inboxId: target.inboxId,
              previousConversationId: target.previousConversationId,
              openingKey: `care:${key}`,
            });
      const channel = textChannelOf(target.channel);
      const rendered = deps.render({
        key: TEMPLATE[input.kind],
        channel,
        ...(contact.locale ? { locale: contact.locale } : {}),
        data: { contactName: contact.name, companyName: settings.companyName },
      });
      let text: string;
      try {
        text = await deps.prepareReply({
          conversationId,
          channel,
          inboxId: target.inboxId,
          text: rendered.text,
        });
      } catch (error) {
        if (!(error instanceof AppError) || error.code !== 'CONFLICT') throw error;
        await record(key, { status: 'window_closed', conversationId, channel });
        return { outcome: 'window_closed' };
      }
      const sent = await deps.sendAutomated({
        conversationId,
        template: TEMPLATE[input.kind],
        ...rendered,
        text,
        via: { channel, inboxId: target.inboxId },
      });
      await record(key, { status: 'sent', conversationId, channel, messageId: sent?.messageId ?? null });
      return { outcome: 'sent' };
    } catch (error) {
      // Nothing went out: release the claim so the job's retry can try again.
      await Sends.deleteOne({ key, status: 'sending' });
      throw error;
    }
  }

  /** The greeting job: sends when the contact's date is still the one it was scheduled for. */
  async function runGreeting(job: Extract<CareJob, { kind: 'greeting' }>) {
    const key = `${job.type}:${job.contactId}:${job.year}`;
    if (await Sends.exists({ key })) return { outcome: 'duplicate' as const };
    const contact = await deps.findContact(job.contactId);
    const date = contact?.[job.type];
    if (!contact || contact.mergedInto || contact.erasedAt || date !== job.date)
      return { outcome: 'stale' as const };
    const at = occurrenceIn({
      date,
      yearly: true,
      year: job.year,
      zone: zoneOf(contact),
      time: settings.greetingTime,
    });
    const now = clock.now().getTime();
    if (!at || now < at.getTime() - 60_000 || now > at.getTime() + LATE_MS)
      return { outcome: 'stale' as const };
    return deliver({
      kind: job.type,
      key,
      contact,
      job,
      jobId: greetingJobId(job),
    });
  }

  /** The re-engagement job: sends when the contact is still tier A / VIP and still quiet since `since`. */
  async function runReengage(job: Extract<CareJob, { kind: 'reengage' }>) {
    const key = `reengage:${job.contactId}:${new Date(job.since).getTime()}`;
    if (await Sends.exists({ key })) return { outcome: 'duplicate' as const };
    const contact = await deps.findContact(job.contactId);
    if (!contact || contact.mergedInto || contact.erasedAt || !['A', 'VIP'].includes(contact.tier ?? ''))
      return { outcome: 'stale' as const };
    const latest = await latestActivity(contact.id);
    if (!latest || latest.getTime() !== new Date(job.since).getTime()) return { outcome: 'stale' as const };
    return deliver({
      kind: 'reengage',
      key,
      contact,
      job,
      jobId: reengageJobId(job),
    });
  }

  async function latestActivity(contactId: string): Promise<Date | null> {
    let latest: Date | null = null;
    for (const conversation of await deps.recentConversations(contactId))
      if (conversation.lastMessageAt && (!latest || conversation.lastMessageAt > latest))
        latest = conversation.lastMessageAt;
    return latest;
  }

  /** Schedules the greetings whose local time falls in the next 36 hours (deterministic job ids). */
  async function scheduleGreetings(): Promise<number> {
    const now = clock.now();
    const from = new Date(now.getTime() - LATE_MS);
    const to = new Date(now.getTime() + LOOKAHEAD_MS);
    const monthDays = candidateMonthDays(from, to);
    let scheduled = 0;
    for (const type of ['birthday', 'anniversary'] as const) {
      let afterId: string | null = null;
      for (;;) {
        const page = await deps.findContactsByDate({ field: type, monthDays, afterId, limit: PAGE });
        for (const contact of page) {
          const date = contact[type];
          if (!date || contact.careOptOut) continue;
          for (const { year, at } of occurrencesBetween({
            date,
            yearly: true,
            zone: zoneOf(contact),
            time: settings.greetingTime,
            from,
            to,
          })) {
            // Already decided (sent, opted out…): no job that would only find the claim.
            if (await Sends.exists({ key: `${type}:${contact.id}:${year}` })) continue;
            const job: CareJob = { kind: 'greeting', type, contactId: contact.id, year, date };
            await deps.schedule(job, greetingJobId(job), at);
            scheduled += 1;
          }
        }
        if (page.length < PAGE) break;
        afterId = page.at(-1)!.id;
      }
    }
    return scheduled;
  }

  /** Schedules the re-engagement of tier A / VIP contacts without a conversation for `reengageDays`. */
  async function scheduleReengagement(): Promise<number> {
    if (settings.reengageDays <= 0) return 0;
    const cutoff = clock.now().getTime() - settings.reengageDays * 86_400_000;
    let scheduled = 0;
    let afterId: string | null = null;
    for (;;) {
      const page = await deps.listContactsByTier({ tiers: ['A', 'VIP'], afterId, limit: PAGE });
      for (const contact of page) {
        if (contact.careOptOut) continue;
        const latest = await latestActivity(contact.id);
        if (!latest || latest.getTime() > cutoff) continue;
        if (await Sends.exists({ key: `reengage:${contact.id}:${latest.getTime()}` })) continue;
        const job: CareJob = { kind: 'reengage', contactId: contact.id, since: latest.toISOString() };
        await deps.schedule(job, reengageJobId(job), clock.now());
        scheduled += 1;
      }
      if (page.length < PAGE) break;
      afterId = page.at(-1)!.id;
    }
    return scheduled;
  }

  return {
    runJob: (job: CareJob) => (job.kind === 'greeting' ? runGreeting(job) : runReengage(job)),
    scheduleGreetings,
    scheduleReengagement,
    findSend: (key: string) => Sends.findOne({ key }).lean<CareSendRecord>(),
  };
}

export type CareMessages = ReturnType<typeof createCareMessages>;

/** An inbound message that is only an opt-out keyword (退订, TD, STOP, UNSUBSCRIBE…). */
export function isOptOutKeyword(text: string | null | undefined): boolean {
  return /^\s*(退订|退訂|取消订阅|TD|STOP|STOPALL|UNSUBSCRIBE|QUIT|CANCEL)\s*[.!。！]?\s*$/i.test(text ?? '');
}
