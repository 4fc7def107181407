/**
 * The conversation API (DESIGN §7). Every route authenticates; agents reach only conversations of their
 * teams, assigned to them or owned by them (others answer 404, so ids reveal nothing), supervisors and
 * admins reach all. Routes validate → call a service → respond.
 */
import express, { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import { AppError } from '../../lib/app-error';
import { parseInput } from '../../lib/validate';
import { documentRoutes } from '../../http/openapi';
import type { ConversationDoc } from './conversation.model';
import type { MessageDoc } from './message.model';
import type { ConversationList } from './conversation-list';
import { canSeeConversation, type Viewer } from './conversation-rules';
import { toConversationView, toMessageView } from './conversation-views';
import type { ConversationsService } from './conversations.service';
import {
  AssignBodySchema,
  CategoryBodySchema,
  ContactConversationPageSchema,
  ContactConversationsQuerySchema,
  ConversationDetailSchema,
  ConversationPageSchema,
  ConversationSchema,
  CsatBodySchema,
  MessageSchema,
  IdParamsSchema,
  ListQuerySchema,
  PriorityBodySchema,
  ReplyBodySchema,
  StatusBodySchema,
  TagsBodySchema,
  TimelineQuerySchema,
  TimelinePageSchema,
  UploadQuerySchema,
  UploadReferenceSchema,
} from './conversations.schemas';
import type { ConversationUploads } from './conversation-uploads';
import type { TimelineService } from './timeline.service';
import type { ReplyWindowGuard } from '../outbound';
import type { ChannelKind } from '../../../connectors/channel';

export interface ConversationRoutesDeps {
  requireAuth: RequestHandler;
  conversations: ConversationsService;
  timeline: TimelineService;
  list: ConversationList;
  /** The contact as the API shows it (the contacts module's view), or null when it is gone. */
  loadContactView: (contactId: string) => Promise<unknown>;
  /** Throws 400 when the agent or team does not exist or cannot take work (identity). */
  validateAssignment?: (input: { assigneeId: string | null; teamId?: string | null }) => Promise<void>;
  /** Reply windows (outbound's guard): refuses replies the channel would drop, exposes the window state. */
  replyWindow?: ReplyWindowGuard;
  /** Agent uploads for replies: the attachment store's `put` (size and type policy) and its size limit. */
  uploads?: {
    records: ConversationUploads;
    put: (
      data: Buffer,
      meta: { filename: string; contentType: string },
    ) => Promise<{ storageKey: string; filename: string; contentType: string; size: number }>;
    maxBytes: number;
  };
}

/** The authenticated viewer (`requireAuth` put identity's principal on the request). */
function viewerOf(req: Request): Viewer {
  const principal = (req as Request & { principal?: Viewer }).principal;
  if (!principal) throw new AppError('UNAUTHENTICATED');
  return principal;
}

function notFound(): AppError {
  return new AppError('NOT_FOUND', { userMessage: 'Conversation not found.' });
}

/** A list row's preview of the newest entry (text cut short; notes and system entries say what they are). */
function toLastMessage(message: MessageDoc | undefined) {
  if (!message) return null;
  return {
    direction: message.direction,
    kind: message.kind,
    channel: message.channel,
    text: (message.text ?? message.subject ?? '').slice(0, 160),
    occurredAt: new Date(message.occurredAt).toISOString(),
  };
}

export function createConversationRouters(deps: ConversationRoutesDeps) {
  const { requireAuth, conversations, timeline, list } = deps;

  /** The conversation, if this viewer may see it. */
  async function loadVisible(req: Request): Promise<ConversationDoc> {
    const { id } = parseInput(IdParamsSchema, req.params, 'conversation id');
    const conversation = await conversations.findConversation(id);
    if (!conversation || !canSeeConversation(viewerOf(req), conversation)) throw notFound();
    return conversation;
  }

  const conversationsRouter = Router();
  const api = documentRoutes(conversationsRouter, { tags: ['Conversations'] });
  const byId = { params: IdParamsSchema };
  const change = (summary: string, body: z.ZodType) => ({
    summary,
    ...byId,
    body,
    responses: { 200: ConversationSchema },
  });

  api.get(
    '/',
    {
      summary: 'List the conversations this viewer may see (the inbox), newest activity first',
      query: ListQuerySchema,
      responses: { 200: ConversationPageSchema },
    },
    requireAuth,
    async (req, res) => {
      const query = parseInput(ListQuerySchema, req.query, 'query');
      const viewer = viewerOf(req);
      const keyword = (value: string | undefined, me: string) =>
        value === undefined ? undefined : value === 'none' ? null : value === 'me' ? me : value;
      const page = await list.listConversations(viewer, {
        ...(query.status ? { status: query.status } : {}),
        ...(query.assignee !== undefined ? { assigneeId: keyword(query.assignee, viewer.agentId) } : {}),
        ...(query.team === 'me' ? { teamIds: [...viewer.teamIds] } : {}),
        ...(query.team !== undefined && query.team !== 'me' ? { teamId: keyword(query.team, '') } : {}),
        ...(query.channel ? { channel: query.channel } : {}),
        ...(query.category ? { category: query.category } : {}),
        ...(query.priority ? { priority: query.priority } : {}),
        ...(query.slaDueBefore ? { slaDueBefore: new Date(query.slaDueBefore) } : {}),
        ...(query.q ? { q: query.q } : {}),
        ...(query.cursor ? { cursor: query.cursor } : {}),
        limit: query.limit,
      });
      // The inbox row shows the newest timeline entry: one indexed read per row of this page (≤ 100).
      const latest = await Promise.all(
        page.items.map((c) => timeline.listTimeline(String(c._id), { limit: 1 }).then((p) => p.items[0])),
      );
      res.json({
        items: page.items.map((c, i) => ({
          ...toConversationView(c),
          lastMessage: toLastMessage(latest[i]),
        })),
        nextCursor: page.nextCursor,
      });
    },
  );

  api.get(
    '/:id',
    {
      summary: 'One conversation with its contact and reply window',
      ...byId,
      responses: { 200: ConversationDetailSchema },
    },
    requireAuth,
    async (req, res) => {
      const conversation = await loadVisible(req);
      const contact = await deps.loadContactView(conversation.contactId);
      const replyChannel = (conversation.lastInbound?.channel ?? conversation.primaryChannel) as ChannelKind;
      const replyWindow = await deps.replyWindow?.stateFor({
        conversationId: String(conversation._id),
        channel: replyChannel,
        inboxId: conversation.lastInbound?.inboxId ?? conversation.inboxId,
        lastInboundAt: conversation.metrics?.lastInboundAt ?? null,
      });
      res.json({
        ...toConversationView(conversation),
        contact: contact ?? { id: conversation.contactId },
        ...(replyWindow ? { replyWindow } : {}),
      });
    },
  );

  api.get(
    '/:id/timeline',
    {
      summary: 'The timeline (messages, notes, calls), by sequence number',
      ...byId,
      query: TimelineQuerySchema,
      responses: { 200: TimelinePageSchema },
    },
    requireAuth,
    async (req, res) => {
      const conversation = await loadVisible(req);
      const query = parseInput(TimelineQuerySchema, req.query, 'query');
      const page = await timeline.listTimeline(String(conversation._id), query);
      res.json({ items: page.items.map(toMessageView), hasMore: page.hasMore });
    },
  );

  api.post(
    '/:id/messages',
    {
      summary: 'Reply to the customer, or add a private note',
      description:
        'A reply the channel would drop (closed reply window) is refused with 409 before it is stored.',
      ...byId,
      body: ReplyBodySchema,
      responses: { 201: MessageSchema },
    },
    requireAuth,
    async (req, res) => {
      const conversation = await loadVisible(req);
      const body = parseInput(ReplyBodySchema, req.body, 'message');
      const channel = (body.channel ??
        conversation.lastInbound?.channel ??
        conversation.primaryChannel) as ChannelKind;
      // A reply the channel would drop (closed reply window) is refused here, before it is stored.
      const text =
        !body.private && deps.replyWindow
          ? await deps.replyWindow.prepareReply({
              conversationId: String(conversation._id),
              channel,
              inboxId: conversation.lastInbound?.inboxId ?? conversation.inboxId,
              lastInboundAt: conversation.metrics?.lastInboundAt ?? null,
              ...(body.text !== undefined ? { text: body.text } : {}),
              ...(body.template ? { template: body.template } : {}),
            })
          : (body.text ?? '');
      const attachments = body.attachments.length
        ? await requireUploads().records.resolve(String(conversation._id), body.attachments)
        : [];
      const message = await timeline.createReply({
        conversationId: String(conversation._id),
        authorId: viewerOf(req).agentId,
        text,
        isPrivate: body.private,
        ...(body.channel ? { channel: body.channel } : {}),
        ...(attachments.length ? { attachments } : {}),
        ...(body.email ? { email: body.email } : {}),
      });
      res.status(201).json(toMessageView(message));
    },
  );

  function requireUploads(): NonNullable<ConversationRoutesDeps['uploads']> {
    if (!deps.uploads) throw new AppError('UNAVAILABLE', { userMessage: 'Uploads are not enabled.' });
    return deps.uploads;
  }

  // The body is the file itself (any media type; the store's policy decides): read whole, up to the limit.
  const fileBody = express.raw({ type: () => true, limit: deps.uploads?.maxBytes ?? 0 });
  api.post(
    '/:id/attachments',
    {
      summary: 'Upload a file for a reply (the body is the file, its media type the Content-Type)',
      description:
        'Answers a reference whose id a reply lists in `attachments`; only replies of this conversation ' +
        'can use it. Larger than ATTACHMENT_MAX_BYTES: 413; a media type the hub does not store ' +
        '(HTML, SVG, executables, or bytes that look like them): 415.',
      ...byId,
      query: UploadQuerySchema,
      bodyContentType: 'application/octet-stream',
      body: z.string(),
      responses: { 201: UploadReferenceSchema },
    },
    requireAuth,
    async (req, _res, next) => {
      // Visibility first: a caller who cannot see the conversation learns nothing, and sends no bytes in.
      await loadVisible(req);
      next();
    },
    fileBody,
    async (req, res) => {
      const uploads = requireUploads();
      const conversation = await loadVisible(req);
      const { filename } = parseInput(UploadQuerySchema, req.query, 'query');
      const contentType = req.headers['content-type'];
      const bytes = Buffer.isBuffer(req.body) ? req.body : null;
      if (!contentType || !bytes)
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', {
          userMessage: 'Send the file as the body, with its media type as Content-Type.',
        });
      if (bytes.length === 0) throw new AppError('INVALID_INPUT', { userMessage: 'The file is empty.' });
      const stored = await uploads.put(bytes, { filename, contentType });
      const reference = await uploads.records.record({
        conversationId: String(conversation._id),
        uploadedBy: viewerOf(req).agentId,
        storageKey: stored.storageKey,
        filename: stored.filename,
        contentType: stored.contentType,
        size: stored.size,
      });
      res.status(201).json(reference);
    },
  );

  api.post(
    '/:id/assign',
    change('Assign to an agent (or unassign), optionally move to a team', AssignBodySchema),
    requireAuth,
    async (req, res) => {
      const conversation = await loadVisible(req);
      const body = parseInput(AssignBodySchema, req.body, 'assignment');
      await deps.validateAssignment?.(body);
      const updated = await conversations.assign(String(conversation._id), {
        assigneeId: body.assigneeId,
        ...(body.teamId !== undefined ? { teamId: body.teamId } : {}),
      });
      res.json(toConversationView(updated));
    },
  );

  api.post(
    '/:id/status',
    change('Change the status (snooze until a time)', StatusBodySchema),
    requireAuth,
    async (req, res) => {
      const conversation = await loadVisible(req);
      const body = parseInput(StatusBodySchema, req.body, 'status');
      const updated = await conversations.setStatus(String(conversation._id), {
        status: body.status,
        ...(body.snoozedUntil ? { snoozedUntil: new Date(body.snoozedUntil) } : {}),
      });
      res.json(toConversationView(updated));
    },
  );

  api.post(
    '/:id/priority',
    change('Change the priority', PriorityBodySchema),
    requireAuth,
    async (req, res) => {
      const conversation = await loadVisible(req);
      const body = parseInput(PriorityBodySchema, req.body, 'priority');
      res.json(toConversationView(await conversations.setPriority(String(conversation._id), body.priority)));
    },
  );

  api.post(
    '/:id/category',
    change('Change the category', CategoryBodySchema),
    requireAuth,
    async (req, res) => {
      const conversation = await loadVisible(req);
      const body = parseInput(CategoryBodySchema, req.body, 'category');
      res.json(toConversationView(await conversations.setCategory(String(conversation._id), body.category)));
    },
  );

  api.post('/:id/tags', change('Add and remove tags', TagsBodySchema), requireAuth, async (req, res) => {
    const conversation = await loadVisible(req);
    const body = parseInput(TagsBodySchema, req.body, 'tags');
    res.json(toConversationView(await conversations.updateTags(String(conversation._id), body)));
  });

  api.post(
    '/:id/csat',
    change('Record a CSAT score (1–5)', CsatBodySchema),
    requireAuth,
    async (req, res) => {
      const conversation = await loadVisible(req);
      const body = parseInput(CsatBodySchema, req.body, 'csat');
      res.json(toConversationView(await conversations.setCsat(String(conversation._id), body)));
    },
  );

  const messagesRouter = Router();
  documentRoutes(messagesRouter, { tags: ['Conversations'] }).post(
    '/:id/retry',
    {
      summary: 'Send a failed reply again',
      params: IdParamsSchema,
      responses: { 200: MessageSchema },
    },
    requireAuth,
    async (req, res) => {
      const { id } = parseInput(IdParamsSchema, req.params, 'message id');
      const message = await timeline.findMessage(id);
      const conversation = message ? await conversations.findConversation(message.conversationId) : null;
      if (!message || !conversation || !canSeeConversation(viewerOf(req), conversation))
        throw new AppError('NOT_FOUND', { userMessage: 'Message not found.' });
      res.json(toMessageView(await timeline.retryMessage(id)));
    },
  );

  /** Contact 360: every conversation of a contact (that this viewer may see), newest first. */
  const contactsRouter = Router();
  documentRoutes(contactsRouter, { tags: ['Contacts'] }).get(
    '/:id/conversations',
    {
      summary: "The contact's conversations that this viewer may see, newest first",
      params: IdParamsSchema,
      query: ContactConversationsQuerySchema,
      responses: { 200: ContactConversationPageSchema },
    },
    requireAuth,
    async (req, res) => {
      const { id } = parseInput(IdParamsSchema, req.params, 'contact id');
      const query = parseInput(ContactConversationsQuerySchema, req.query, 'query');
      const page = await list.listConversations(viewerOf(req), {
        contactId: id,
        ...(query.status ? { status: query.status } : {}),
        ...(query.cursor ? { cursor: query.cursor } : {}),
        limit: query.limit,
      });
      res.json({ items: page.items.map(toConversationView), nextCursor: page.nextCursor });
    },
  );

  return { conversationsRouter, messagesRouter, contactsRouter };
}
