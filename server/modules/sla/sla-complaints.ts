/**
 * Complaint handling (the seed's rapid complaint-response mechanism): a complaint gets a named owner (the
 * team lead by default, else the assignee); the customer gets an acknowledgement with the ticket number,
 * the owner and the promised response time from the SLA policy; on resolution the customer is told the
 * result and asked for CSAT (1–5); a 1–5 answer is stored on the conversation.
 *
 * Each customer-facing message is sent at most once: the send is claimed first by a conditional update of
 * `sla.complaint.*` (a crash after the claim loses that message rather than repeating it).
 */
import type { DomainEvents } from '../../domain-events';
import type { Clock } from '../../lib/clock';
import type { EventBus } from '../../lib/event-bus';
import type { Logger } from '../../lib/logger';
import type { TemplateChannel, TemplateRenderer } from '../templates';
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
      key,
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

  /** After each SLA refresh: owner and acknowledgement of a complaint whose clock has started. */
  async function afterRefresh(result: RefreshResult): Promise<void> {
    const { conversation, summary } = result;
    if (conversation.category !== 'complaint' || !summary?.startedAt) return;
    const ownerId = await ensureOwner(conversation);
    if (conversation.sla?.complaint?.ackAt) return;
    const promised = summary.firstResponse?.dueAt ?? summary.resolution?.dueAt;
    if (!promised) return;
    if (!(await claim(conversation, 'ackAt'))) return;
    const owner = ownerId ? (await store.findAgents([ownerId]))[0] : undefined;
    const rendered = await render(conversation, 'complaint-ack', {
      ownerName: owner?.name ?? deps.companyName,
      dueAt: promised,
      timezone: result.timezone,
    });
    await send(conversation, 'complaint-ack', rendered);
  }

  /** On resolution of a complaint: the result and the CSAT question, once. */
  async function onResolved(conversation: SlaConversation): Promise<void> {
    if (conversation.category !== 'complaint') return;
    if (!(await claim(conversation, 'csatRequestedAt'))) return;
    const lastReply = await store.findLastHumanReply(String(conversation._id));
    const resolution = lastReply?.text?.trim().slice(0, 500) || conversation.subject || '-';
    const rendered = await render(conversation, 'resolution-csat', { resolution });
    await send(conversation, 'resolution-csat', rendered);
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
      await store
        .conversations()
        .updateOne(
          { _id: conversation._id, 'csat.score': { $exists: false } },
          { $set: { csat: { score, at: deps.clock.now() } } },
        );
      await deps.events.emit('conversation.updated', {
        conversationId: String(conversation._id),
        changes: ['csat'],
        teamId: conversation.teamId,
        assigneeId: conversation.assigneeId,
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

  return { afterRefresh, onResolved, onCustomerMessage, isCsatAnswer, ensureOwner };
}

export type ComplaintHandling = ReturnType<typeof createComplaintHandling>;
