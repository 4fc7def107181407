/**
 * Complaint handling (the seed's rapid complaint-response mechanism): a complaint or suggestion is
 * classified on intake (urgent / normal / suggestion; urgent raises the priority); a complaint gets a named
 * owner (the team lead by default, else the assignee; supervisors change it by API); the customer gets an
 * acknowledgement with the ticket number, the owner and the promised response time (never in the past);
 * on resolution of any conversation (unless its inbox turned CSAT off) the customer is told the result,
 * with the category's report-back template when there is one (`resolution-<category>`, else
 * `resolution-csat`), and asked for CSAT (1–5); a 1–5 answer is stored on the conversation.
 *
 * Each customer-facing message is sent at most once: the send is claimed first by a conditional update of
 * `sla.complaint.*` (a crash after the claim loses that message rather than repeating it).
 */
import type { DomainEvents } from '../../domain-events';
import type { Clock } from '../../lib/clock';
import type { EventBus } from '../../lib/event-bus';
import type { Logger } from '../../lib/logger';
import { AppError } from '../../lib/app-error';
import type { TemplateChannel, TemplateRenderer } from '../templates';
import { addBusinessMinutes, ALWAYS_OPEN } from './business-calendar';
import { classifyComplaint } from './complaint-classification';
import type { CsatSettings } from './sla-csat-settings';
import type { SlaConversation, SlaStore } from './sla-store';
import type { RefreshResult } from './sla.service';

/** Sends a customer-facing automated message through the conversations/outbound path (on the timeline). */
export type AutomatedSender = (input: {
  conversationId: string;
  /** The template it came from (`complaint-ack`, `resolution-csat`). */
  template: string;
  text: string;
  subject?: string;
  html?: string;
  /** Send on this channel and inbox of the conversation instead of the customer's last one (care). */
  via?: { channel: string; inboxId: string };
}) => Promise<{ messageId?: string } | void>;

export type CsatWriter = (conversationId: string, input: { score: number }) => Promise<unknown>;

export interface ComplaintDeps {
  store: SlaStore;
  templates: TemplateRenderer;
  events: EventBus<DomainEvents>;
  clock: Clock;
  logger: Logger;
  companyName: string;
  sendAutomated?: AutomatedSender;
  setCsat?: CsatWriter;
  csatSettings?: CsatSettings;
  /** Raises an urgent complaint's priority (conversations service). */
  setPriority?: (conversationId: string, priority: 'urgent') => Promise<unknown>;
}

/** The template channel for a conversation channel. */
export function templateChannelFor(channel: string): TemplateChannel {
  if (channel === 'email') return 'email';
  if (channel === 'sms' || channel === 'whatsapp' || channel === 'voice') return 'sms';
  return 'chat';
}

/** Reads a CSAT answer: a lone digit 1–5 (ASCII or full-width), optionally with 分 / stars. */
export function parseCsatAnswer(text: string | undefined): number | null {
  if (!text) return null;
  const normalized = text.trim().replace(/[１-５]/g, (d) => String(d.charCodeAt(0) - 0xff10));
  const match = /^([1-5])\s*(分|星|stars?|\/\s*5)?[.!。！]?$/i.exec(normalized);
  return match ? Number(match[1]) : null;
}

export function createComplaintHandling(deps: ComplaintDeps) {
  const { store, logger } = deps;
  const complaintSet = (field: string, value: unknown) => ({ [`sla.complaint.${field}`]: value });

  /** Claims a once-only step; true when this call won it. */
  async function claim(conversation: SlaConversation, field: string): Promise<boolean> {
    const result = await store
      .conversations()
      .updateOne(
        { _id: conversation._id, [`sla.complaint.${field}`]: { $exists: false } },
        { $set: complaintSet(field, deps.clock.now()) },
      );
    return result.modifiedCount === 1;
  }

  async function ensureOwner(conversation: SlaConversation): Promise<string | null> {
    if (conversation.ownerId) return conversation.ownerId;
    const team = await store.findTeam(conversation.teamId);
    const ownerId = team?.leadId ?? conversation.assigneeId ?? null;
    if (!ownerId) return null;
    const result = await store
      .conversations()
      .updateOne(
        { _id: conversation._id, ownerId: null },
        { $set: { ownerId, ...complaintSet('ownerAssignedAt', deps.clock.now()) } },
      );
    if (result.modifiedCount === 1)
      await deps.events.emit('conversation.updated', {
        conversationId: String(conversation._id),
        changes: ['ownerId'],
        teamId: conversation.teamId,
        assigneeId: conversation.assigneeId,
      });
    return ownerId;
  }

  async function render(conversation: SlaConversation, key: string, data: Record<string, unknown>) {
    const contact = await store.findContact(conversation.contactId);
    return deps.templates.render({
      key: templateFor(conversation, key, contact?.locale),
      channel: templateChannelFor(conversation.primaryChannel),
      locale: contact?.locale,
      data: {
        number: conversation.number,
        contactName: contact?.name ?? conversation.contactName ?? '',
        companyName: deps.companyName,
        subject: conversation.subject ?? '',
        ...data,
      },
    });
  }

  async function send(
    conversation: SlaConversation,
    template: string,
    rendered: { text: string; subject?: string; html?: string },
  ) {
    if (!deps.sendAutomated) {
      logger.warn(
        { conversationId: String(conversation._id), template },
        'no automated-message path: not sent',
      );
      return;
    }
    await deps.sendAutomated({ conversationId: String(conversation._id), template, ...rendered });
  }

  /** The category's variant of a template (`resolution-complaint`) when one exists, else the key. */
  function templateFor(conversation: SlaConversation, key: string, locale: string | undefined): string {
    if (key !== 'resolution-csat') return key;
    const variant = `resolution-${conversation.category}`;
    return deps.templates.has(variant, templateChannelFor(conversation.primaryChannel), locale)
      ? variant
      : key;
  }

  /** Classifies a complaint or suggestion once; an urgent complaint becomes urgent priority. */
  async function classify(conversation: SlaConversation): Promise<void> {
    if (conversation.sla?.complaint?.classification) return;
    const text = await store.findFirstInboundText(String(conversation._id));
    const classification = classifyComplaint({
      category: conversation.category,
      priority: conversation.priority,
      text,
    });
    if (!classification) return;
    const result = await store
      .conversations()
      .updateOne(
        { _id: conversation._id, 'sla.complaint.classification': { $exists: false } },
        { $set: complaintSet('classification', classification) },
      );
    if (result.modifiedCount !== 1) return;
    if (classification === 'urgent' && conversation.priority !== 'urgent' && deps.setPriority)
      await deps.setPriority(String(conversation._id), 'urgent');
  }

  /**
   * The response time to promise: the first running due time still ahead; when every one has passed (the
   * category was set late), a fresh first-response target counted from now on the conversation's calendar.
   */
  async function promiseFor(result: RefreshResult): Promise<Date | null> {
    const now = deps.clock.now().getTime();
    const { summary, policy, conversation } = result;
    const isAhead = (target: { status: string; dueAt: Date | null } | null | undefined) =>
      target?.status === 'running' && target.dueAt !== null && target.dueAt.getTime() > now;
    const response = [summary?.firstResponse, summary?.nextResponse].find(isAhead);
    if (response?.dueAt) return response.dueAt;
    if (!policy) return null;
    const responseMinutes = policy.targets.firstResponse ?? policy.targets.nextResponse;
    // Without a response target the resolution is what is promised.
    if (responseMinutes === undefined && isAhead(summary?.resolution)) return summary!.resolution!.dueAt;
    const minutes = responseMinutes ?? policy.targets.resolution ?? 60;
    const calendarId = conversation.sla?.calendarId ?? null;
    const calendar = calendarId
      ? ((await store.getRules()).calendars.get(calendarId) ?? ALWAYS_OPEN)
      : (policy.calendar ?? ALWAYS_OPEN);
    return addBusinessMinutes(calendar, new Date(now), minutes);
  }

  /** After each SLA refresh: classification, owner and acknowledgement of a complaint whose clock has started. */
  async function afterRefresh(result: RefreshResult): Promise<void> {
    const { conversation, summary } = result;
    if (conversation.category === 'complaint' || conversation.category === 'suggestion')
      await classify(conversation);
    if (conversation.category !== 'complaint' || !summary?.startedAt) return;
    const ownerId = await ensureOwner(conversation);
    if (conversation.sla?.complaint?.ackAt) return;
    const promised = await promiseFor(result);
    if (!promised) return;
    if (!(await claim(conversation, 'ackAt'))) return;
    await store
      .conversations()
      .updateOne({ _id: conversation._id }, { $set: complaintSet('promisedAt', promised) });
    const owner = ownerId ? (await store.findAgents([ownerId]))[0] : undefined;
    const rendered = await render(conversation, 'complaint-ack', {
      ownerName: owner?.name ?? deps.companyName,
      dueAt: promised,
      timezone: result.timezone,
    });
    await send(conversation, 'complaint-ack', rendered);
  }

  /** On resolution of any conversation: the result and the CSAT question, once (unless the inbox opted out). */
  async function onResolved(conversation: SlaConversation): Promise<void> {
    if (deps.csatSettings && !(await deps.csatSettings.isEnabled(conversation.inboxId))) return;
    if (conversation.csat?.score) return;
    if (!(await claim(conversation, 'csatRequestedAt'))) return;
    const lastReply = await store.findLastHumanReply(String(conversation._id));
    const resolution = lastReply?.text?.trim().slice(0, 500) || conversation.subject || '-';
    const rendered = await render(conversation, 'resolution-csat', { resolution });
    await send(conversation, 'resolution-csat', rendered);
  }

  /** Sets or changes a conversation's owner (a supervisor's decision); the agent must exist and be active. */
  async function setOwner(conversationId: string, ownerId: string | null) {
    const conversation = await store.findConversation(conversationId);
    if (!conversation) throw new AppError('NOT_FOUND', { userMessage: 'No such conversation.' });
    if (ownerId) {
      const [agent] = await store.findAgents([ownerId]);
      if (!agent?.active)
        throw new AppError('INVALID_INPUT', { userMessage: 'ownerId: unknown or inactive agent.' });
    }
    await store
      .conversations()
      .updateOne(
        { _id: conversation._id },
        { $set: { ownerId, ...complaintSet('ownerAssignedAt', deps.clock.now()) } },
      );
    if (conversation.ownerId !== ownerId)
      await deps.events.emit('conversation.updated', {
        conversationId,
        changes: ['ownerId'],
        teamId: conversation.teamId,
        assigneeId: conversation.assigneeId,
      });
    return { conversationId, ownerId, previousOwnerId: conversation.ownerId };
  }

  /** A customer's message after the CSAT question: a 1–5 answer becomes the conversation's CSAT. */
  async function onCustomerMessage(
    conversation: SlaConversation,
    text: string | undefined,
  ): Promise<boolean> {
    if (!conversation.sla?.complaint?.csatRequestedAt || conversation.csat?.score) return false;
    const score = parseCsatAnswer(text);
    if (score === null) return false;
    if (deps.setCsat) await deps.setCsat(String(conversation._id), { score });
    else {
      const written = await store
        .conversations()
        .updateOne(
          { _id: conversation._id, 'csat.score': { $exists: false } },
          { $set: { csat: { score, at: deps.clock.now() } } },
        );
      if (written.modifiedCount === 0) return true;
      await deps.events.emit('conversation.updated', {
        conversationId: String(conversation._id),
        changes: ['csat'],
        teamId: conversation.teamId,
        assigneeId: conversation.assigneeId,
      });
      await deps.events.emit('csat.received', {
        conversationId: String(conversation._id),
        contactId: conversation.contactId,
        score,
        comment: null,
      });
    }
    return true;
  }

  /**
   * True when a customer's message to a resolved complaint is the answer to its CSAT question (ingest then
   * keeps the conversation resolved: a score is not a new request).
   */
  async function isCsatAnswer(conversationId: string, text: string | undefined): Promise<boolean> {
    if (parseCsatAnswer(text) === null) return false;
    const conversation = await store.findConversation(conversationId);
    return (
      conversation?.status === 'resolved' &&
      Boolean(conversation.sla?.complaint?.csatRequestedAt) &&
      !conversation.csat?.score
    );
  }

  return { afterRefresh, onResolved, onCustomerMessage, isCsatAnswer, ensureOwner, setOwner };
}

export type ComplaintHandling = ReturnType<typeof createComplaintHandling>;
