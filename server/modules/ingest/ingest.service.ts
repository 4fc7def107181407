/**
 * The one ingest entry point (the `InboundSink` every connector uses). Resolves once the event is durable.
 *
 * Order of work: validate → dedupe by (channel, externalId) → resolve the contact → pick or open the
 * conversation (email thread keys, then the `[#number]` subject tag of the same contact; chat-like channels
 * continue the contact's running conversation; a closed one is never written to: a new conversation links
 * to it) → append the message with the next sequence number → conversation bookkeeping → domain events.
 * Every step is idempotent, so a provider retry after a crash half-way finishes the work and creates
 * nothing twice: the unique (channel, externalId) index decides duplicates, and conversation creation is
 * keyed by the opening event.
 */
import { randomUUID } from 'node:crypto';
import type {
  CallUpdateEvent,
  ChannelKind,
  InboundEvent,
  InboundSink,
  SenderIdentity,
  StatusEvent,
} from '../../../connectors/channel';
import type { DomainEvents } from '../../domain-events';
import { AppError } from '../../lib/app-error';
import type { EventBus } from '../../lib/event-bus';
import type { Logger } from '../../lib/logger';
import type { Metrics } from '../../lib/metrics';
import { parseInput } from '../../lib/validate';
import {
  CATEGORIES,
  PRIORITIES,
  isThreadedChannel,
  sanitizeMessageHtml,
  ticketNumberFromSubject,
  type Category,
  type ConversationDoc,
  type ConversationsService,
  type MessageAttachment,
  type Priority,
  type TimelineService,
} from '../conversations';
import { CallUpdateEventSchema, InboundEventSchema, StatusEventSchema } from './ingest.schemas';
import { isUnrelatedSubject, resolveCidLinks } from './email-threading';

/** The contacts module's resolution (identity), structurally. */
export interface ContactResolver {
  resolveContact(input: {
    channel: ChannelKind;
    sender: SenderIdentity;
  }): Promise<{ contactId: string; created: boolean; profile?: { name?: string; tier?: string } }>;
  /** Display facts for list rows (name, tier), when the resolution gave no `profile`; optional. */
  describeContact?(contactId: string): Promise<{ name?: string; tier?: string } | null>;
  /** Saves a language the customer chose (the IVR menu) as the contact's locale; optional. */
  rememberLocale?(contactId: string, locale: string): Promise<unknown>;
  /** Merges what the channel learnt about the customer into the contact's attributes; optional. */
  applyChannelAttributes?(contactId: string, attributes: Record<string, string>): Promise<void>;
}

export interface IngestServiceDeps {
  conversations: ConversationsService;
  timeline: TimelineService;
  contacts: ContactResolver;
  /** Attachment storage (the attachments module's store and media fetch job); without it, metadata only. */
  attachments?: AttachmentPort;
  events: EventBus<DomainEvents>;
  metrics: Metrics;
  logger: Logger;
  /**
   * True when a customer message only answers the question we asked on resolving (a CSAT score): the
   * resolved conversation then stays resolved instead of reopening. The SLA module's complaint handling.
   */
  isFollowUpAnswer?: (conversationId: string, text: string | undefined) => Promise<boolean>;
}

/** What ingest needs from the attachments module, structurally. */
export interface AttachmentPort {
  /** Stores bytes; rejects content over the size limit or of a refused type. */
  put(
    data: Buffer,
    meta: { filename?: string | null; contentType: string },
  ): Promise<{ storageKey: string; size: number }>;
  delete(storageKey: string): Promise<void>;
  /** Queues the download of a provider media URL, linked to the message afterwards. */
  enqueueFetch(input: {
    messageId: string;
    url: string;
    contentType: string;
    filename?: string;
    /** The inbox the message came in on (its account's credentials fetch the media). */
    inboxId?: string | null;
  }): Promise<void>;
}

export interface IngestResult {
  messageId: string;
  conversationId: string;
  duplicate: boolean;
}

const MAX_CONVERSATION_ATTEMPTS = 3;

function pickEnum<T extends string>(values: readonly T[], value: string | undefined, fallback: T): T {
  return value && (values as readonly string[]).includes(value) ? (value as T) : fallback;
}

export function createIngestService(deps: IngestServiceDeps): InboundSink & {
  ingest(event: InboundEvent): Promise<IngestResult>;
  updateCall(event: CallUpdateEvent): Promise<void>;
} {
  const { conversations, timeline, contacts, events, metrics, logger } = deps;

  /**
   * The conversation an email continues, in layers, always of the same contact (someone else quoting our
   * mail, a newsletter reply or a forwarded token never joins another customer's conversation): the
   * `reply+<token>@` address it was sent to, then our Message-IDs in In-Reply-To/References, then the
   * `[#n]` subject tag; else none (a new conversation).
   */
  async function findEmailThread(event: InboundEvent, contactId: string): Promise<ConversationDoc | null> {
    if (event.thread?.replyToken) {
      const byToken = await conversations.findByEmailReplyToken(event.thread.replyToken);
      if (byToken && byToken.contactId === contactId) return byToken;
    }
    const keys = [event.thread?.inReplyTo, ...(event.thread?.references ?? [])].filter((key): key is string =>
      Boolean(key),
    );
    const byKeys = await conversations.findByThreadKeys(keys, { contactId });
    if (byKeys) return byKeys;
    const number = event.thread?.ticketNumber ?? ticketNumberFromSubject(event.subject);
    if (number === null || number === undefined) return null;
    const byNumber = await conversations.findByNumber(number);
    // A ticket tag is guessable: anyone else writing "[#10001]" starts their own conversation.
    return byNumber && byNumber.contactId === contactId ? byNumber : null;
  }

  /**
   * The running conversation the event continues, else the closed one a new conversation links to.
   * Chat-like channels: the contact's running chat (unique per contact, so a retried opening event finds
   * the conversation it opened there too), else the latest closed chat. Threaded channels: the opening
   * key first (a retry after a crash before the thread keys were written), then the email thread.
   */
  async function findRunning(
    event: InboundEvent,
    contactId: string,
    openingKey: string,
  ): Promise<{ running: ConversationDoc | null; previous: ConversationDoc | null }> {
    const runningOrPrevious = (found: ConversationDoc | null) =>
      found && found.status !== 'closed'
        ? { running: found, previous: null }
        : { running: null, previous: found };
    if (!isThreadedChannel(event.channel)) {
      const active = await conversations.findActiveChat(contactId);
      if (active && active.status !== 'closed') return runningOrPrevious(active);
      const latest = await conversations.findLatestChat(contactId);
      return runningOrPrevious(latest?.status === 'closed' ? latest : null);
    }
    const opened = await conversations.findByOpeningKey(openingKey);
    if (opened && opened.status !== 'closed') return runningOrPrevious(opened);
    return runningOrPrevious(await findEmailThread(event, contactId));
  }

  /**
   * The conversation the event belongs to, or a new one. A contact resolution has just created has no
   * conversation yet: nothing to look up. Whatever a look-up cannot see (a concurrent opening by the same
   * event or of the same contact's chat) the unique `openingKey` / `activeChatKey` indexes decide.
   */
  async function selectConversation(
    event: InboundEvent,
    contact: { contactId: string; created: boolean },
    snapshot: { name?: string; tier?: string },
  ): Promise<{ conversation: ConversationDoc; created: boolean }> {
    const { contactId } = contact;
    const openingKey = `${event.channel}:${event.externalId}`;
    const { running, previous } = contact.created
      ? { running: null, previous: null }
      : await findRunning(event, contactId, openingKey);
    if (running) return { conversation: running, created: false };
    return conversations.openConversation({
      contactId,
      ...(snapshot.name ? { contactName: snapshot.name } : {}),
      ...(snapshot.tier ? { contactTier: snapshot.tier } : {}),
      channel: event.channel,
      inboxId: event.inboxId,
      ...(event.subject ? { subject: event.subject.trim() } : {}),
      category: pickEnum<Category>(CATEGORIES, event.hints?.category, 'inquiry'),
      priority: pickEnum<Priority>(PRIORITIES, event.hints?.priority, 'normal'),
      openingKey: previous ? `${openingKey}:after:${String(previous._id)}` : openingKey,
      occurredAt: event.occurredAt,
      previousConversationId: previous ? String(previous._id) : null,
    });
  }

  /** An email's raw bytes, kept so a parse can be redone (stored as text: it is never rendered). */
  async function storeRawMail(event: InboundEvent): Promise<string | undefined> {
    if (!event.email?.raw || !deps.attachments) return undefined;
    try {
      const put = await deps.attachments.put(event.email.raw, {
        filename: 'original.eml',
        contentType: 'text/plain',
      });
      return put.storageKey;
    } catch (error) {
      logger.warn({ err: error, externalId: event.externalId }, 'raw mail not kept');
      return undefined;
    }
  }

  /** The email details kept on the message: full original (sanitized), classification, authentication. */
  function emailDetails(
    event: InboundEvent,
    details: { rawStorageKey: string | undefined; possibleNewRequest: boolean; html: string | undefined },
  ) {
    const { rawStorageKey, possibleNewRequest } = details;
    const email = event.email;
    if (!email) return {};
    return {
      email: {
        to: email.to,
        cc: email.cc,
        ...(email.fullText !== undefined ? { fullText: email.fullText } : {}),
        ...(email.fullHtml ? { fullHtml: sanitizeMessageHtml(email.fullHtml) } : {}),
        ...(email.remoteImages ? { remoteImages: email.remoteImages } : {}),
        // The display HTML with its remote images, shown only when an agent asks to load them.
        ...(email.remoteImages && details.html
          ? { htmlWithImages: sanitizeMessageHtml(details.html, { remoteImages: true }) }
          : {}),
        ...(email.automatedReason ? { automatedReason: email.automatedReason } : {}),
        ...(email.authentication ? { authentication: email.authentication } : {}),
        ...(rawStorageKey ? { rawStorageKey } : {}),
        ...(possibleNewRequest ? { possibleNewRequest: true } : {}),
      },
    };
  }

  /** Inline bytes go to the attachment store now; provider URLs are fetched by a job after the insert. */
  async function storeAttachments(event: InboundEvent): Promise<MessageAttachment[]> {
    const stored: MessageAttachment[] = [];
    for (const attachment of event.attachments ?? []) {
      const entry: MessageAttachment = {
        id: randomUUID(),
        contentType: attachment.contentType,
        ...(attachment.filename ? { filename: attachment.filename } : {}),
        ...(attachment.size !== undefined ? { size: attachment.size } : {}),
        ...(attachment.url ? { sourceUrl: attachment.url } : {}),
      };
      if (attachment.data && deps.attachments) {
        try {
          const put = await deps.attachments.put(attachment.data, {
            filename: attachment.filename ?? null,
            contentType: attachment.contentType,
          });
          entry.storageKey = put.storageKey;
          entry.size = put.size;
        } catch (error) {
          // Too large or a refused type: the entry stays (the agent sees that a file came), without bytes.
          logger.warn(
            { err: error, channel: event.channel, externalId: event.externalId },
            'attachment refused',
          );
          entry.size = attachment.data.length;
        }
      }
      stored.push(entry);
    }
    return stored;
  }

  async function discardStored(attachments: MessageAttachment[]): Promise<void> {
    for (const attachment of attachments)
      if (attachment.storageKey) await deps.attachments?.delete(attachment.storageKey).catch(() => undefined);
  }

  async function enqueueFetches(
    messageId: string,
    inboxId: string,
    attachments: MessageAttachment[],
  ): Promise<void> {
    if (!deps.attachments) return;
    for (const attachment of attachments) {
      if (!attachment.sourceUrl || attachment.storageKey) continue;
      await deps.attachments
        .enqueueFetch({
          messageId,
          inboxId,
          url: attachment.sourceUrl,
          contentType: attachment.contentType,
          ...(attachment.filename ? { filename: attachment.filename } : {}),
        })
        .catch((error: unknown) => logger.warn({ err: error, messageId }, 'could not queue a media fetch'));
    }
  }

  async function ingest(raw: InboundEvent): Promise<IngestResult> {
    let event: InboundEvent;
    try {
      event = parseInput(InboundEventSchema, raw, 'inbound event');
    } catch (error) {
      const channel = (raw as { channel?: unknown } | null)?.channel;
      metrics.ingestEvents.inc({
        channel: typeof channel === 'string' ? channel.slice(0, 20) : 'unknown',
        outcome: 'rejected',
      });
      throw error;
    }
    const known = await timeline.findByExternalId(event.channel, event.externalId);
    if (known) {
      metrics.ingestEvents.inc({ channel: event.channel, outcome: 'duplicate' });
      return { messageId: String(known._id), conversationId: known.conversationId, duplicate: true };
    }
    const contact = await contacts.resolveContact({ channel: event.channel, sender: event.from });
    const { contactId } = contact;
    // Before the conversation events: the acknowledgement they trigger is written in this language.
    if (event.hints?.locale) await contacts.rememberLocale?.(contactId, event.hints.locale);
    if (event.contactAttributes && Object.keys(event.contactAttributes).length)
      await contacts.applyChannelAttributes?.(contactId, event.contactAttributes);
    // The resolved record's name and tier (locale and channel attributes change neither): no re-read.
    const snapshot = contact.profile ??
      (await contacts.describeContact?.(contactId)) ?? {
        ...(event.from.name ? { name: event.from.name } : {}),
      };

    let selected: { conversation: ConversationDoc; created: boolean } | null = null;
    let seq: number | null = null;
    for (let attempt = 0; attempt < MAX_CONVERSATION_ATTEMPTS && seq === null; attempt++) {
      // A retry looks up again: the contact's conversation may have been opened in between.
      selected = await selectConversation(
        event,
        { contactId, created: contact.created && attempt === 0 },
        snapshot,
      );
      // A created conversation reserved seq 1 for this message; else null when the conversation was
      // closed in between: pick again (a new one opens).
      seq = selected.created
        ? selected.conversation.lastSeq
        : await conversations.allocateSeq(String(selected.conversation._id), { openOnly: true });
    }
    if (!selected || seq === null)
      throw new AppError('CONFLICT', { message: 'could not find an open conversation for an inbound event' });
    const conversationId = String(selected.conversation._id);

    const attachments = await storeAttachments(event);
    const rawStorageKey = await storeRawMail(event);
    // Inline images (`cid:`) point at their stored parts; a reply under an unrelated subject is flagged.
    const inline = new Map<string, string>();
    (event.attachments ?? []).forEach((part, index) => {
      const key = attachments[index]?.storageKey;
      if (part.contentId && key) inline.set(part.contentId.toLowerCase(), key);
    });
    const html = event.html ? resolveCidLinks(event.html, inline) : undefined;
    const possibleNewRequest =
      event.channel === 'email' &&
      !selected.created &&
      isUnrelatedSubject(event.subject, selected.conversation.subject);
    const { message, duplicate } = await timeline.insertMessage({
      conversationId,
      contactId,
      seq,
      direction: 'inbound',
      kind: event.kind,
      channel: event.channel,
      inboxId: event.inboxId,
      externalId: event.externalId,
      authorId: null,
      ...(event.text !== undefined ? { text: event.text } : {}),
      ...(html ? { html: sanitizeMessageHtml(html) } : {}),
      ...(event.subject ? { subject: event.subject } : {}),
      attachments,
      ...(event.call ? { call: event.call } : {}),
      occurredAt: event.occurredAt,
      isAutomated: event.isAutomated ?? false,
      ...(event.thread
        ? {
            thread: {
              ...(event.thread.messageId ? { messageId: event.thread.messageId } : {}),
              ...(event.thread.inReplyTo ? { inReplyTo: event.thread.inReplyTo } : {}),
              ...(event.thread.references?.length ? { references: event.thread.references } : {}),
            },
          }
        : {}),
      ...emailDetails(event, { rawStorageKey, possibleNewRequest, html }),
    });
    if (duplicate) {
      await discardStored(attachments);
      if (rawStorageKey) await deps.attachments?.delete(rawStorageKey).catch(() => undefined);
      metrics.ingestEvents.inc({ channel: event.channel, outcome: 'duplicate' });
      return { messageId: String(message._id), conversationId: message.conversationId, duplicate: true };
    }
    const messageId = String(message._id);
    await enqueueFetches(messageId, event.inboxId, attachments);
    const keepResolved = (await deps.isFollowUpAnswer?.(conversationId, event.text)) ?? false;
    const { conversation, previousStatus } = await conversations.recordInbound(
      conversationId,
      {
        keepResolved,
        channel: event.channel,
        inboxId: event.inboxId,
        occurredAt: event.occurredAt,
        ...(event.thread?.messageId ? { threadKey: event.thread.messageId } : {}),
        ...(snapshot.name ? { contactName: snapshot.name } : {}),
        ...(snapshot.tier ? { contactTier: snapshot.tier } : {}),
      },
      selected.conversation,
    );
    metrics.ingestEvents.inc({ channel: event.channel, outcome: 'stored' });
    logger.debug({ messageId, conversationId, channel: event.channel }, 'inbound event stored');

    if (selected.created)
      await events.emit('conversation.created', {
        conversationId,
        contactId,
        channel: event.channel,
        category: conversation.category,
        priority: conversation.priority,
        teamId: conversation.teamId,
        previousConversationId: conversation.previousConversationId,
      });
    const reopened = !selected.created && previousStatus !== conversation.status;
    if (reopened)
      await events.emit('conversation.updated', {
        conversationId,
        changes: ['status'],
        status: conversation.status,
        previousStatus,
        teamId: conversation.teamId,
        assigneeId: conversation.assigneeId,
      });
    await events.emit('message.received', {
      conversationId,
      messageId,
      contactId,
      channel: event.channel,
      isNewConversation: selected.created,
      teamId: conversation.teamId,
      assigneeId: conversation.assigneeId,
      reopened,
      isAutomated: event.isAutomated ?? false,
    });
    return { messageId, conversationId, duplicate: false };
  }

  async function updateStatus(raw: StatusEvent): Promise<void> {
    const event = parseInput(StatusEventSchema, raw, 'status event');
    const result = await timeline.applyDeliveryStatus({
      channel: event.channel,
      externalId: event.externalId,
      status: event.status,
      ...(event.error ? { error: event.error } : {}),
      ...(event.messageId ? { ourMessageId: event.messageId } : {}),
    });
    if (!result.message)
      logger.info(
        { channel: event.channel, externalId: event.externalId, status: event.status },
        'status for an unknown message',
      );
  }

  /**
   * A later fact about a call or voicemail entry (status callback, recording, transcription): merged into
   * the entry's call details; `needsCallback` tags the conversation and opens it as work to do.
   */
  async function updateCall(raw: CallUpdateEvent): Promise<void> {
    const event: CallUpdateEvent = parseInput(CallUpdateEventSchema, raw, 'call update');
    const updated = await timeline.applyCallUpdate({
      channel: event.channel,
      externalId: event.externalId,
      call: event.call,
      ...(event.text !== undefined ? { text: event.text } : {}),
    });
    if (!updated) {
      logger.info(
        { channel: event.channel, externalId: event.externalId },
        'call update for an unknown entry',
      );
      return;
    }
    if (event.needsCallback) await conversations.requestCallback(updated.conversationId);
  }

  return { ingest, updateStatus, updateCall };
}

export type IngestService = ReturnType<typeof createIngestService>;
