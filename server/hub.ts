import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { trusted, type Connection } from 'mongoose';
import type { Config } from './config';
import type { DomainEvents } from './domain-events';
import { buildApp, type HttpModule } from './http/app';
import { buildOpenApiDocument, createOpenApiRouter, type OpenApiDocument } from './http/openapi';
import { createWebhookRefusalLimiter } from './http/webhook-rate-limit';
import { createDemoOnlyGate } from './http/demo-only';
import { connectMongoose } from './infra/mongo';
import { createQueueFactory, type QueueFactory } from './infra/queues';
import { createStaffMail } from './infra/staff-mail';
import { loadCredentialsKey } from './infra/credentials-key';
import { createSecretBox } from './lib/secret-box';
import { AppError } from './lib/app-error';
import { systemClock, type Clock } from './lib/clock';
import { createEventBus, type EventBus } from './lib/event-bus';
import type { Logger } from './lib/logger';
import { createMetrics, type Metrics } from './lib/metrics';
import { createHealthRouter, type ReadinessCheck } from './modules/health';
import {
  createCannedContextLoader,
  createTemplatesModule,
  loadTemplates,
  seedDemoCannedResponses,
  type TemplateRenderer,
} from './modules/templates';
import {
  API_TOKEN_SCOPES,
  createAgentsModule,
  getPrincipal,
  isAllowedByScopes,
  RedisRateLimitStore,
  type AgentsModule,
} from './modules/agents';
import { createContactsModule, type ContactsModule } from './modules/contacts';
import {
  canSeeConversation,
  createConversationsModule,
  createCustomerTimeline,
  type ConversationDoc,
  type ConversationsModule,
} from './modules/conversations';
import { createIngestService, type IngestService } from './modules/ingest';
import { createIntegrationsModule, type IntegrationsModule } from './modules/integrations';
import { createImportsModule, type ImportsModule } from './modules/imports';
import { createTiersModule, type TiersModule } from './modules/tiers';
import { runDemoSeed } from './modules/demo';
import {
  createOutboundModule,
  createOutboundTimeline,
  createReplyWindowGuard,
  type OutboundService,
} from './modules/outbound';
import { createSendHints } from '../connectors/social/send-hints';
import { createAttachmentsModule, type AttachmentsModule } from './modules/attachments';
import { createChannelsModule, createConnectorHost, type ChannelsModule } from './modules/channels';
import { CONNECTOR_PLUGINS } from '../connectors/plugins';
import type { ChannelKind, ConnectorConversation, ConnectorPlugin } from '../connectors/channel';
import { createConversationLookups, createRealtimeModule, type RealtimeService } from './modules/realtime';
import {
  createAutomatedSender,
  createInboxBusinessHours,
  isBusinessTime,
  templateChannelFor,
  createSlaModule,
  type SlaModule,
} from './modules/sla';
import { createRoutingModule, type RoutingModule } from './modules/routing';
import {
  createAutomationPorts,
  createAutomationsModule,
  seedDemoAutomations,
  type AutomationsModule,
} from './modules/automations';
import { createMentionsModule } from './modules/mentions';
import { createQueueWaits } from './modules/routing/queue-wait';
import { createCareModule, seedDemoCare, type CareModule } from './modules/care';
import { createSocketServer, type SocketAuthenticator, type SocketServer } from './realtime/socket-server';
import { rooms } from './realtime/socket-events';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where the hub's storage is; `main.ts` resolves it (embedded or configured), tests pass their own. */
export interface HubInfra {
  mongoUri: string;
  redisUrl: string;
}

export interface HubOptions {
  config: Config;
  infra: HubInfra;
  logger: Logger;
  clock?: Clock;
  /**
   * What this process runs (default: config HUB_ROLE): `all`, `web` (HTTP and sockets, no workers) or
   * `worker` (queue workers, SLA sweep, pulled channels; HTTP only for health and metrics).
   */
  role?: 'all' | 'web' | 'worker';
  /** Run queue processors in this process (default: unless the role is `web`). */
  runWorkers?: boolean;
  /** The channel plug-ins (default: every connector in `connectors/plugins.ts`; tests may add their own). */
  connectors?: readonly ConnectorPlugin[];
}

export interface Hub {
  config: Config;
  logger: Logger;
  clock: Clock;
  metrics: Metrics;
  connection: Connection;
  redis: Redis;
  queues: QueueFactory;
  events: EventBus<DomainEvents>;
  templates: TemplateRenderer;
  httpServer: HttpServer;
  /** The Express application (the API document check walks its routes). */
  app: ReturnType<typeof buildApp>;
  sockets: SocketServer;
  /** Agents, teams, auth and audit (identity). */
  agents: AgentsModule;
  /** Contacts and organizations: `contacts.resolveContact` for ingest, `registerContactDataOwner` for merge/export/erase. */
  contacts: ContactsModule;
  /** Contact and order imports (bull job, progress, per-row errors, dry runs) and the JSONL exports. */
  imports: ImportsModule;
  /** RFM scores and ABC tiers from imported orders, onto the contacts' `tier`. */
  tiers: TiersModule;
  /** Conversations (tickets) and their timeline, numbering, search and API. */
  conversations: ConversationsModule;
  /** The one InboundSink every connector hands its events to. */
  ingest: IngestService;
  /** Sends queued replies through the channel connectors (bull job). */
  outbound: OutboundService;
  /** Configured inboxes and the channel registry (connectors register here). */
  channels: ChannelsModule;
  /** Attachment storage and the provider-media fetch job. */
  attachments: AttachmentsModule;
  /** The one way to send a server → client event (persisted, replayable). */
  realtime: RealtimeService;
  /** SLA: calendars, policies, clocks and timers, escalation, complaint hooks, reports. */
  sla: SlaModule;
  /** Live routing: queues, offers, presence, capacity, transfers. */
  routing: RoutingModule;
  /** Automation rules (event and time triggers) and their runs. */
  automations: AutomationsModule;
  /** Outgoing webhooks (subscriptions, outbox, deliveries). */
  integrations: IntegrationsModule;
  /** Tasks, 回访 follow-ups, greetings, re-engagement, opt-out, staff notifications. */
  care: CareModule;
  /** Starts listening; resolves with the bound port (0 picks a free one). */
  listen(port: number, host?: string): Promise<number>;
  /** Graceful stop: no new connections, in-flight requests and jobs finish, then every connection closes. */
  close(): Promise<void>;
}

/**
 * Builds the whole hub on existing storage: the one place where modules are created with their
 * dependencies. Nothing listens until `listen` is called.
 */
export async function createHub(options: HubOptions): Promise<Hub> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  // The process role decides what starts here; the modules are the same in every role.
  const role = options.role ?? config.HUB_ROLE;
  const runWorkers = options.runWorkers ?? role !== 'web';
  const servesTraffic = role !== 'worker';
  const metrics = createMetrics();
  const connection = await connectMongoose({
    uri: options.infra.mongoUri,
    dbName: config.MONGODB_DB,
    logger,
  });
  const redis = new Redis(options.infra.redisUrl, { maxRetriesPerRequest: 2, enableOfflineQueue: false });
  redis.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));
  await new Promise<void>((resolve, reject) => {
    redis.once('ready', resolve);
    redis.once('end', () => reject(new Error('could not connect to Redis')));
  });
  const queues = createQueueFactory({
    redisUrl: options.infra.redisUrl,
    prefix: config.QUEUE_PREFIX,
    logger,
    metrics,
  });
  const events = createEventBus<DomainEvents>(logger);
  const templates = await loadTemplates({ dir: path.join(projectRoot, 'templates') });

  const checks: ReadinessCheck[] = [
    { name: 'mongodb', check: async () => (await connection.db?.admin().ping())?.ok === 1 },
    { name: 'redis', check: async () => redis.status === 'ready' && (await redis.ping()) === 'PONG' },
  ];

  // Identity: agents, teams, auth (requireAuth/requireRole for every /api module) and the audit log.
  const agentsModule = createAgentsModule({ connection, config, logger, clock, redis, events });
  const authenticate: SocketAuthenticator = agentsModule.authenticateSocket;
  // Template overrides stored in the database (admin API /api/templates) over the file templates.
  const templatesModule = createTemplatesModule({
    connection,
    renderer: templates,
    clock,
    logger,
    refreshMs: config.TEMPLATE_REFRESH_MS,
    templatesDir: path.join(projectRoot, 'templates'),
    companyName: config.COMPANY_NAME,
  });
  await templatesModule.start();
  const contactsModule = createContactsModule({
    connection,
    logger,
    clock,
    events,
    audit: agentsModule.audit,
    auth: agentsModule,
  });

  // Channels (inboxes → connectors) and attachments (store, download, media fetch).
  const credentialsKey = await loadCredentialsKey({
    configured: config.CREDENTIALS_KEY,
    dataDir: config.DATA_DIR,
    sharedDatabase: !config.usesEmbeddedMongo,
    logger,
  });
  const secrets = createSecretBox(credentialsKey);
  const channels = createChannelsModule({ connection, logger, secrets });
  const sealedInboxes = await channels.inboxes.sealStoredCredentials();
  if (sealedInboxes) logger.info({ inboxes: sealedInboxes }, 'sealed inbox credentials stored in clear');
  const attachments = createAttachmentsModule({
    dataDir: config.DATA_DIR,
    maxBytes: config.ATTACHMENT_MAX_BYTES,
    fetchTimeoutMs: config.ATTACHMENT_FETCH_TIMEOUT_MS,
    queues,
    logger,
  });

  // Conversations core (timeline, numbering, search, API) and ingest, the one InboundSink. Outbound
  // needs the timeline and the reply route needs outbound: the closure below reads `outbound`, which is
  // built right after and only ever called once the hub is running.
  const conversations = createConversationsModule({
    connection,
    events,
    clock,
    logger,
    publicUrl: config.PUBLIC_URL,
    requireAuth: agentsModule.requireAuth,
    enqueueOutbound: async (messageId) => {
      await outbound.enqueue(messageId);
    },
    // Reply windows (WhatsApp 24 h, Messenger/Instagram 24 h + HUMAN_AGENT 7 days, WeChat 48 h / 5 replies);
    // the guard reads the timeline, built just below.
    replyWindow: {
      stateFor: (input) => replyWindow.stateFor(input),
      prepareReply: (input) => replyWindow.prepareReply(input),
    },
    loadContactView: (contactId) => contactsModule.contacts.findContact(contactId),
    findContactIds: async (q, limit) =>
      (await contactsModule.contacts.searchContacts({ q, limit })).items.map((contact) => contact.id),
    deleteAttachment: (storageKey) => attachments.store.delete(storageKey),
    storeUpload: {
      put: (data, meta) => attachments.store.put(data, meta),
      maxBytes: config.ATTACHMENT_MAX_BYTES,
    },
    uploadUnsentTtlMs: config.UPLOAD_UNSENT_TTL_HOURS * 3_600_000,
    uploadCleanupIntervalMs: config.UPLOAD_CLEANUP_INTERVAL_MS,
    validateAssignment: async ({ assigneeId, teamId }) => {
      const agent = assigneeId ? await agentsModule.agents.findAgent(assigneeId) : null;
      if (assigneeId && !agent?.active)
        throw new AppError('INVALID_INPUT', { userMessage: 'Unknown or inactive agent.' });
      if (teamId && !(await agentsModule.agents.findTeam(teamId)))
        throw new AppError('INVALID_INPUT', { userMessage: 'Unknown team.' });
    },
  });
  const replyWindow = createReplyWindowGuard({
    listRecent: async (conversationId, limit) =>
      [...(await conversations.timeline.listTimeline(conversationId, { limit })).items].reverse(),
    hints: createSendHints(redis, config.QUEUE_PREFIX),
    now: () => clock.now(),
    templatesFor: async (input) =>
      (await channels.registry.resolve(input))?.replyTemplates?.(input.channel) ?? [],
  });
  contactsModule.contacts.registerContactDataOwner(conversations.contactDataOwner);
  contactsModule.contacts.registerContactViewSection(conversations.contactViewSection);
  const outbound: OutboundService = createOutboundModule({
    connection,
    queues,
    timeline: createOutboundTimeline({
      timeline: conversations.timeline,
      findContact: (contactId) => contactsModule.contacts.findContact(contactId),
    }),
    channels: channels.registry,
    attachments: attachments.store,
    clock,
    logger,
    sweepIntervalMs: config.OUTBOUND_SWEEP_INTERVAL_MS,
  });
  const ingest = createIngestService({
    conversations: conversations.conversations,
    timeline: conversations.timeline,
    contacts: {
      resolveContact: (input) => contactsModule.contacts.resolveSender(input),
      describeContact: async (contactId) => {
        const contact = await contactsModule.contacts.findContact(contactId);
        return contact ? { name: contact.name, ...(contact.tier ? { tier: contact.tier } : {}) } : null;
      },
      rememberLocale: (contactId, locale) => contactsModule.contacts.updateContact(contactId, { locale }),
      applyChannelAttributes: (contactId, attributes) =>
        contactsModule.contacts.applyChannelAttributes(contactId, attributes),
    },
    attachments: {
      put: (data, meta) => attachments.store.put(data, meta),
      delete: (storageKey) => attachments.store.delete(storageKey),
      enqueueFetch: (input) => attachments.enqueueFetch(input),
    },
    events,
    metrics,
    logger,
    // Called only after the hub is built (the SLA module is created below).
    isFollowUpAnswer: (conversationId, text) => sla.complaints.isCsatAnswer(conversationId, text),
  });
  // Staff notices by email (SLA warnings and breaches), when an SMTP relay is configured.
  const staffMail = config.SMTP_URL
    ? createStaffMail({
        queues,
        smtpUrl: config.SMTP_URL,
        from: config.MAIL_FROM ?? {
          name: config.COMPANY_NAME,
          address: `no-reply@${new URL(config.PUBLIC_URL).hostname}`,
        },
        logger,
        clock,
      })
    : null;
  // SLA: calendars, policies, clocks, timers (queue 'sla' + sweep), escalation, complaint hooks, reports.
  const sla = createSlaModule({
    connection,
    redis,
    queues,
    queuePrefix: config.QUEUE_PREFIX,
    events,
    templates,
    clock,
    logger,
    publicUrl: config.PUBLIC_URL,
    companyName: config.COMPANY_NAME,
    sweepIntervalMs: config.SLA_SWEEP_INTERVAL_MS,
    // Called only after the hub is built (realtime is created with the socket server below).
    realtime: { publish: (input) => realtime.publish(input) },
    ...(staffMail ? { mailer: (mail) => staffMail.send(mail) } : {}),
    actions: {
      setPriority: (id, priority) =>
        conversations.conversations.setPriority(id, priority as 'low' | 'normal' | 'high' | 'urgent'),
      assignTeam: (id, teamId) => conversations.conversations.assign(id, { assigneeId: null, teamId }),
    },
    sendAutomated: createAutomatedSender({
      getConversation: (id) => conversations.conversations.getConversation(id),
      allocateSeq: (id, opts) => conversations.conversations.allocateSeq(id, opts),
      insertMessage: (message) => conversations.timeline.insertMessage(message as never),
      recordOutbound: (id, input) => conversations.conversations.recordOutbound(id, input),
      enqueueOutbound: (messageId) => outbound.enqueue(messageId),
      events,
      clock,
    }),
    setCsat: (id, input) => conversations.conversations.setCsat(id, input),
  });
  // Automations: event and time-triggered rules (queue 'automations'), admin API /api/automations.
  const automatedSend = createAutomatedSender({
    getConversation: (id) => conversations.conversations.getConversation(id),
    allocateSeq: (id, opts) => conversations.conversations.allocateSeq(id, opts),
    insertMessage: (message) => conversations.timeline.insertMessage(message as never),
    recordOutbound: (id, input) => conversations.conversations.recordOutbound(id, input),
    enqueueOutbound: (messageId) => outbound.enqueue(messageId),
    events,
    clock,
  });
  // Care: tasks (/api/tasks), 回访 follow-ups, greetings and re-engagement (queue 'care'), staff notices.
  const toFollowUpConversation = (doc: ConversationDoc) => ({
    id: String(doc._id),
    number: doc.number,
    status: doc.status,
    category: doc.category,
    contactId: doc.contactId,
    teamId: doc.teamId ?? null,
    assigneeId: doc.assigneeId ?? null,
    ownerId: doc.ownerId ?? null,
    resolvedAt: doc.metrics?.resolvedAt ?? null,
  });
  const [quietStart, quietEnd] = config.CARE_QUIET_HOURS.split('-') as [string, string];
  const care: CareModule = createCareModule({
    connection,
    queues,
    redis,
    keyPrefix: config.QUEUE_PREFIX,
    events,
    clock,
    logger,
    // Called only after the hub is built (realtime is created with the socket server below).
    realtime: { publish: (input) => realtime.publish(input) },
    ...(staffMail ? { mailer: (mail) => staffMail.send(mail) } : {}),
    settings: {
      greetingTime: config.CARE_GREETING_TIME,
      quietStart,
      quietEnd,
      defaultTimezone: config.CARE_DEFAULT_TIMEZONE,
      reengageDays: config.CARE_REENGAGE_DAYS,
      companyName: config.COMPANY_NAME,
    },
    followUpBusinessDays: config.CARE_FOLLOW_UP_BUSINESS_DAYS,
    sweepIntervalMs: config.CARE_SWEEP_INTERVAL_MS,
    findContact: (id) => contactsModule.contacts.findContact(id),
    findContactsByDate: (input) => contactsModule.contacts.findContactsByDate(input),
    listContactsByTier: (input) => contactsModule.contacts.listContactsByTier(input),
    setOptOut: (contactId, careOptOut) => contactsModule.contacts.updateContact(contactId, { careOptOut }),
    findAgentEmail: async (id) => (await agentsModule.agents.findAgent(id))?.email ?? null,
    findMessageText: async (id) => (await conversations.timeline.findMessage(id))?.text ?? null,
    addNote: (id, text) =>
      conversations.timeline.createReply({
        conversationId: id,
        authorId: 'automation',
        text,
        isPrivate: true,
      }),
    findFollowUpConversation: async (id) => {
      const doc = await conversations.conversations.findConversation(id);
      return doc ? toFollowUpConversation(doc) : null;
    },
    resolvedComplaintsSince: async (since, limit) =>
      (
        await conversations.models.Conversation.find({
          category: 'complaint',
          status: trusted({ $in: ['resolved', 'closed'] }),
          lastMessageAt: trusted({ $gte: since }),
        })
          .sort({ lastMessageAt: -1 })
          .limit(limit)
          .lean<ConversationDoc[]>()
      ).map(toFollowUpConversation),
    calendarForTeam: async (teamId) => {
      const calendarId = teamId ? (await sla.store.findTeam(teamId))?.calendarId : null;
      return calendarId ? ((await sla.store.getRules()).calendars.get(calendarId) ?? null) : null;
    },
    recentConversations: async (contactId) =>
      (
        await conversations.models.Conversation.find({ contactId })
          .sort({ lastMessageAt: -1 })
          .limit(20)
          .lean<ConversationDoc[]>()
      ).map((doc) => ({
        id: String(doc._id),
        status: doc.status,
        channel: doc.lastInbound?.channel ?? doc.primaryChannel,
        inboxId: doc.lastInbound?.inboxId ?? doc.inboxId,
        primaryChannel: doc.primaryChannel,
        primaryInboxId: doc.inboxId,
        lastMessageAt: doc.lastMessageAt ?? null,
      })),
    openConversation: async (input) =>
      String(
        (
          await conversations.conversations.openConversation({
            ...input,
            subject: '关怀 Care',
            category: 'other',
            priority: 'low',
            occurredAt: clock.now(),
          })
        ).conversation._id,
      ),
    render: (input) => templates.render({ ...input, channel: templateChannelFor(input.channel) }),
    prepareReply: (input) => replyWindow.prepareReply({ ...input, channel: input.channel as ChannelKind }),
    sendAutomated: (input) => automatedSend(input),
  });
  const automations: AutomationsModule = createAutomationsModule({
    connection,
    queues,
    redis,
    keyPrefix: config.QUEUE_PREFIX,
    events,
    clock,
    logger,
    Conversation: conversations.models.Conversation as never,
    conversationState: async (id) => {
      const found = await conversations.conversations.findConversation(id);
      return found ? { status: found.status, lastInboundAt: found.metrics?.lastInboundAt ?? null } : null;
    },
    loopCap: config.AUTOMATION_LOOP_CAP,
    loopWindowMs: config.AUTOMATION_LOOP_WINDOW_SECONDS * 1000,
    dryRunDays: 30,
    dateSweepIntervalMs: config.CARE_SWEEP_INTERVAL_MS,
    contactDates: {
      findContactsByDate: (input) => contactsModule.contacts.findContactsByDate(input),
      findContact: (id) => contactsModule.contacts.findContact(id),
      latestConversationId: async (contactId) => {
        const latest = await conversations.models.Conversation.findOne({ contactId })
          .sort({ lastMessageAt: -1 })
          .select({ _id: 1 })
          .lean<{ _id: unknown }>();
        return latest ? String(latest._id) : null;
      },
      defaultTimezone: config.CARE_DEFAULT_TIMEZONE,
    },
    ports: createAutomationPorts({
      findConversation: (id) => conversations.conversations.findConversation(id),
      findContact: (id) => contactsModule.contacts.findContact(id),
      findMessageText: async (id) => (await conversations.timeline.findMessage(id))?.text ?? null,
      isBusinessTime: async (teamId) => {
        const calendarId = teamId ? (await sla.store.findTeam(teamId))?.calendarId : null;
        const calendar = calendarId ? (await sla.store.getRules()).calendars.get(calendarId) : undefined;
        return calendar ? isBusinessTime(calendar, clock.now()) : true;
      },
      assign: (id, input) => conversations.conversations.assign(id, input),
      setPriority: (id, priority) => conversations.conversations.setPriority(id, priority as never),
      setCategory: (id, category) => conversations.conversations.setCategory(id, category as never),
      updateTags: (id, input) => conversations.conversations.updateTags(id, input),
      setStatus: (id, status) => conversations.conversations.setStatus(id, { status: status as never }),
      addNote: (id, text) =>
        conversations.timeline.createReply({
          conversationId: id,
          authorId: 'automation',
          text,
          isPrivate: true,
        }),
      sendTemplate: async (id, template) => {
        const conversation = await conversations.conversations.getConversation(id);
        const contact = await contactsModule.contacts.findContact(conversation.contactId);
        const rendered = templates.render({
          key: template,
          channel: templateChannelFor(conversation.lastInbound?.channel ?? conversation.primaryChannel),
          ...(contact?.locale ? { locale: contact.locale } : {}),
          data: {
            number: conversation.number,
            contactName: contact?.name ?? '',
            companyName: config.COMPANY_NAME,
            subject: conversation.subject ?? '',
          },
        });
        await automatedSend({ conversationId: id, template, ...rendered });
      },
      createTask: (id, input) =>
        care.tasks.createTask({
          kind: 'automation',
          title: input.title,
          assigneeId: input.ownerId,
          teamId: input.teamId,
          contactId: input.contactId,
          conversationId: id,
          dueAt: input.dueAt,
        }),
      notifyStaff: (input) => care.notify(input),
    }),
  });
  // Routing: queues per team, offers with expiry, presence with grace, capacity, transfers, manual pick.
  const routing = createRoutingModule({
    connection,
    config,
    Conversation: conversations.models.Conversation,
    agents: agentsModule.agents,
    // Called only after the hub is built (realtime is created with the socket server below).
    realtime: { publish: (input) => realtime.publish(input) },
    events,
    queues,
    redis,
    clock,
    logger,
    requireAuth: agentsModule.requireAuth,
    requireSupervisor: agentsModule.requireRole('supervisor', 'admin'),
    addNote: ({ conversationId, authorId, text }) =>
      conversations.timeline.createReply({ conversationId, authorId, text, isPrivate: true }),
    runWorkers,
  });

  // Imports (contacts; orders for tiers) through one machinery, and the admin JSONL exports.
  const imports = createImportsModule({
    connection,
    queues,
    clock,
    logger,
    audit: agentsModule.audit,
    contacts: contactsModule.contacts,
    conversationModels: conversations.models,
    requireAuth: agentsModule.requireAuth,
    requireAdmin: agentsModule.requireRole('admin'),
    apiLimiter: agentsModule.apiLimiter,
    maxBytes: config.IMPORT_MAX_BYTES,
    maxRows: config.IMPORT_MAX_ROWS,
  });
  // Tiers: RFM / ABC from the imported orders, on a schedule and after each import, onto contact.tier.
  const tiers = createTiersModule({
    connection,
    queues,
    clock,
    logger,
    contacts: contactsModule.contacts,
    currency: config.TIERS_CURRENCY,
    schedule: { cron: config.TIERS_CRON, tz: config.TIERS_TIMEZONE },
    requireAuth: agentsModule.requireAuth,
    requireAdmin: agentsModule.requireRole('admin'),
  });
  imports.registerKind(tiers.ordersImport);
  contactsModule.contacts.registerContactDataOwner(tiers.contactDataOwner);
  contactsModule.contacts.registerContactViewSection(tiers.contactViewSection);

  // Integrations: outgoing webhooks (outbox + recovery sweep, signed deliveries from the bull queue).
  const integrations = createIntegrationsModule({
    connection,
    events,
    queues,
    clock,
    logger,
    secrets,
    allowlist: config.OUTGOING_WEBHOOK_ALLOWLIST,
    retry: { attempts: config.OUTGOING_WEBHOOK_ATTEMPTS, baseDelayMs: config.OUTGOING_WEBHOOK_RETRY_BASE_MS },
    timeoutMs: config.OUTGOING_WEBHOOK_TIMEOUT_MS,
    describeMessage: async (messageId) => {
      const message = await conversations.timeline.findMessage(messageId);
      if (!message) return null;
      return {
        messageId,
        conversationId: message.conversationId,
        contactId: message.contactId,
        direction: message.direction,
        kind: message.kind,
        channel: message.channel,
        authorId: message.authorId,
        text: message.text ?? null,
        subject: message.subject ?? null,
        isAutomated: message.isAutomated,
        occurredAt: message.occurredAt.toISOString(),
      };
    },
    listRecentMessages: async ({ since, until, limit }) =>
      (
        await conversations.models.Message.find({ createdAt: trusted({ $gte: since, $lte: until }) })
          .select({ _id: 1, conversationId: 1, createdAt: 1 })
          .sort({ createdAt: 1 })
          .limit(limit)
          .lean<{ _id: unknown; conversationId: string; createdAt: Date }[]>()
      ).map((doc) => ({
        messageId: String(doc._id),
        conversationId: doc.conversationId,
        createdAt: doc.createdAt,
      })),
    notifyDisabled: async ({ id, url, reason }) => {
      logger.warn({ subscriptionId: id, url }, 'webhook subscription disabled after a day of failures');
      await agentsModule.audit.record({
        actorId: null,
        action: 'webhook.disabled',
        subjectType: 'webhook_subscription',
        subjectId: id,
        details: { url, reason },
      });
      if (!staffMail) return;
      const admins = await agentsModule.agents.listAgents({ role: 'admin', active: true, limit: 50 });
      for (const admin of admins.items)
        await staffMail.send({
          key: `webhook-disabled:${id}:${admin.id}:${clock.now().toISOString().slice(0, 10)}`,
          to: admin.email,
          subject: 'Omnihub: a webhook subscription was disabled',
          text: `The webhook subscription to ${url} was disabled: ${reason}\nRe-enable it in the admin API (/api/webhooks/${id}) once the receiver works again.`,
        });
    },
    requireAuth: agentsModule.requireAuth,
    requireAdmin: agentsModule.requireRole('admin'),
    principalId: (req) => getPrincipal(req).agentId,
  });

  // The HTTP server and Socket.IO exist before the app (the web chat connector needs /customer); requests
  // reach the app once it is built, before the hub listens.
  const late: { app?: ReturnType<typeof buildApp> } = {};
  const httpServer = createServer((req, res) => {
    if (late.app) late.app(req, res);
    else res.writeHead(503).end();
  });
  // The streams adapter re-polls at once when a read fails: its client must queue commands while
  // (re)connecting, or every read rejects synchronously and the loop starves the event loop.
  const socketRedis = new Redis(options.infra.redisUrl, { maxRetriesPerRequest: null });
  socketRedis.on('error', (error) => logger.warn({ err: error }, 'socket adapter redis error'));
  const sockets = createSocketServer({
    // A worker serves no sockets: its Socket.IO server only emits to rooms (through the Redis adapter) and
    // is bound to an HTTP server that never listens.
    httpServer: servesTraffic ? httpServer : createServer(),
    logger,
    metrics,
    authenticate,
    redis: socketRedis,
    now: () => clock.now().getTime(),
  });

  // Channel plug-ins (connectors/plugins.ts): their routes, channels, media origins and listeners.
  const toConnectorConversation = (doc: ConversationDoc): ConnectorConversation => ({
    id: String(doc._id),
    number: doc.number,
    inboxId: doc.inboxId,
    contactId: doc.contactId,
    primaryChannel: doc.primaryChannel as ChannelKind,
    status: doc.status,
    teamId: doc.teamId ?? null,
    assigneeId: doc.assigneeId ?? null,
  });
  const queueWaits = createQueueWaits({ Conversation: conversations.models.Conversation, clock });
  const connectors = await createConnectorHost({
    plugins: options.connectors ?? CONNECTOR_PLUGINS,
    inboxes: channels.inboxes,
    registry: channels.registry,
    mediaSources: attachments.mediaSources,
    logger,
    context: {
      config,
      publicUrl: config.PUBLIC_URL,
      // In-process stubs (demo mode) reach the hub on its own listening address.
      selfUrl:
        config.PORT === 0
          ? config.PUBLIC_URL
          : `http://${config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST}:${config.PORT}`,
      sink: ingest,
      clock,
      redis,
      keyPrefix: config.QUEUE_PREFIX,
      customerSockets: sockets.customer,
      hub: {
        templates: {
          render: (input) => templates.render(input as Parameters<TemplateRenderer['render']>[0]),
        },
        businessHours: createInboxBusinessHours({
          findInboxTeamId: async (inboxId) => (await channels.inboxes.findConfig(inboxId))?.teamId ?? null,
          findTeamCalendarId: async (teamId) => (await sla.store.findTeam(teamId))?.calendarId ?? null,
          findCalendar: async (calendarId) => (await sla.store.getRules()).calendars.get(calendarId) ?? null,
        }),
        conversations: {
          find: async (id) => {
            const doc = await conversations.conversations.findConversation(id);
            return doc ? toConnectorConversation(doc) : null;
          },
        },
        contacts: {
          find: async (id) => {
            const contact = await contactsModule.contacts.findContact(id);
            return contact
              ? {
                  id: contact.id,
                  ...(contact.name ? { name: contact.name } : {}),
                  phones: contact.phones,
                  emails: contact.emails,
                  ...(contact.locale ? { locale: contact.locale } : {}),
                }
              : null;
          },
          addEmailIfUnclaimed: async (contactId, address) => {
            const email = address.trim().toLowerCase();
            const holders = await contactsModule.contacts.searchContacts({ q: email, limit: 20 });
            if (holders.items.some((other) => other.id !== contactId && other.emails.includes(email)))
              return false;
            const contact = await contactsModule.contacts.findContact(contactId);
            if (!contact) return false;
            if (!contact.emails.includes(email))
              await contactsModule.contacts.updateContact(contactId, { emails: [...contact.emails, email] });
            return true;
          },
        },
        agents: {
          findPhone: async (agentId) => (await agentsModule.agents.findAgent(agentId))?.phone ?? null,
        },
        timeline: createCustomerTimeline(conversations.models.Message, (key) => attachments.store.get(key)),
        csat: {
          record: async (id, input) => {
            await conversations.conversations.setCsat(id, input);
          },
        },
        threads: {
          addKey: async (id, threadKey) => {
            await conversations.conversations.recordOutbound(id, {
              channel: 'email',
              occurredAt: clock.now(),
              threadKey,
              isHuman: false,
            });
          },
        },
        channels: { resolve: (input) => channels.registry.resolve(input) },
        queue: {
          position: (id) => queueWaits.place(id),
          team: (teamId) => queueWaits.team(teamId),
          onMoved: (listener) => {
            events.on('conversation.assigned', ({ conversationId, teamId, assigneeId }) => {
              if (teamId && assigneeId) listener({ teamId, conversationId });
            });
            events.on('conversation.updated', ({ conversationId, teamId, status }) => {
              if (teamId && (status === 'resolved' || status === 'closed'))
                listener({ teamId, conversationId });
            });
          },
        },
        signals: {
          onConversationUpdated: (listener) =>
            events.on('conversation.updated', (event) =>
              listener({
                conversationId: event.conversationId,
                changes: event.changes,
                ...(event.status ? { status: event.status } : {}),
              }),
            ),
          onAgentTyping: (listener) =>
            sockets.agent.on('connection', (socket) =>
              socket.on('typing', (payload: unknown) => {
                const conversationId = (payload as { conversationId?: unknown } | null)?.conversationId;
                if (typeof conversationId === 'string' && /^[0-9a-f]{24}$/i.test(conversationId))
                  listener({ conversationId, agentId: socket.data.principal.agentId });
              }),
            ),
          customerTyping: (conversationId) =>
            sockets.agent.to(rooms.conversation(conversationId)).emit('conversation:customer-typing', {
              conversationId,
            }),
        },
        staff: {
          requireAuth: agentsModule.requireAuth,
          principal: (req) => {
            const principal = getPrincipal(req);
            return { agentId: principal.agentId, role: principal.role };
          },
          findVisibleConversation: async (req, id) => {
            const doc = await conversations.conversations.findConversation(id);
            return doc && canSeeConversation(getPrincipal(req), doc) ? toConnectorConversation(doc) : null;
          },
          fail: (code, message, cause) => {
            throw new AppError(code, { userMessage: message, ...(cause ? { cause } : {}) });
          },
        },
      },
    },
  });

  // Mentions in internal notes: the named agents who may see the conversation are notified.
  const mentions = createMentionsModule({
    connection,
    events,
    clock,
    logger,
    ports: {
      findNote: (id) => conversations.timeline.findMessage(id),
      findConversation: (id) => conversations.conversations.findConversation(id),
      findAgent: (id) => agentsModule.agents.findAgent(id),
      // Called only after the hub is built (realtime is created with the socket server below).
      publish: (input) => realtime.publish(input),
    },
  });
  const healthModule: HttpModule = {
    path: '/',
    router: createHealthRouter({
      checks,
      metrics,
      ...(config.METRICS_TOKEN ? { metricsToken: config.METRICS_TOKEN } : {}),
    }),
  };
  const httpModules: HttpModule[] = [
    // The customer simulator (demo Twilio and friends) is open only on the seeded demo.
    ...(config.SEED_DEMO ? [] : [{ path: '/simulator', router: createDemoOnlyGate(), parsesOwnBody: true }]),
    healthModule,
    // First among /api modules: it carries the general API rate limiter.
    ...agentsModule.routers,
    ...contactsModule.routers,
    channels.createHttpModule({
      requireAuth: agentsModule.requireAuth,
      requireAdmin: agentsModule.requireRole('admin'),
    }),
    attachments.createHttpModule({
      requireAuth: agentsModule.requireAuth,
      authorize: (principal, key) => conversations.timeline.canViewAttachment(principal, key),
    }),
    ...conversations.httpModules,
    ...routing.httpModules,
    ...integrations.httpModules,
    ...imports.httpModules,
    ...tiers.httpModules,
    ...sla.httpModules({
      requireAuth: agentsModule.requireAuth,
      requireAdmin: agentsModule.requireRole('admin'),
      requireSupervisor: agentsModule.requireRole('supervisor', 'admin'),
    }),
    mentions.httpModule({ requireAuth: agentsModule.requireAuth }),
    automations.httpModule({
      requireAuth: agentsModule.requireAuth,
      requireAdmin: agentsModule.requireRole('admin'),
      requireSupervisor: agentsModule.requireRole('supervisor', 'admin'),
    }),
    ...care.httpModules({
      requireAuth: agentsModule.requireAuth,
      requireSupervisor: agentsModule.requireRole('supervisor', 'admin'),
    }),
    ...connectors.httpModules,
    ...templatesModule.httpModules({
      requireAuth: agentsModule.requireAuth,
      requireReader: agentsModule.requireRole('supervisor', 'admin'),
      requireAdmin: agentsModule.requireRole('admin'),
      loadCannedContext: createCannedContextLoader({
        findConversation: (id) => conversations.conversations.findConversation(id),
        canSee: (viewer, conversation) => canSeeConversation(viewer, conversation),
        findContact: (id) => contactsModule.contacts.findContact(id),
        findAgentName: async (id) => (await agentsModule.agents.findAgent(id))?.name ?? null,
        findTeamName: async (id) => (await agentsModule.agents.findTeam(id))?.name ?? null,
      }),
    }),
  ];

  // The API description, built once from the routes' declarations when it is first asked for.
  let apiDocument: OpenApiDocument | undefined;
  httpModules.push({
    path: '/api',
    router: createOpenApiRouter({
      document: () =>
        (apiDocument ??= buildOpenApiDocument({
          modules: httpModules,
          scopesFor: (method, apiPath) =>
            API_TOKEN_SCOPES.filter((scope) => isAllowedByScopes([scope], method, apiPath)),
        })),
    }),
  });
  const app = buildApp({
    logger,
    metrics,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    // A worker answers /healthz, /readyz and /metrics only (its load balancer health checks, Prometheus).
    modules: servesTraffic ? httpModules : [healthModule],
    ...(servesTraffic
      ? {
          spas: [{ path: '/app', dir: path.join(projectRoot, 'agent-ui', 'dist') }],
          homePath: '/app/',
          // Refused webhook requests per address, counted across hub processes in Redis.
          webhookGuard: createWebhookRefusalLimiter({
            perMinute: config.WEBHOOK_REFUSAL_RATE_LIMIT_PER_MINUTE,
            store: new RedisRateLimitStore(redis, `${config.QUEUE_PREFIX}:ratelimit:webhook-refusals:`),
          }),
        }
      : {}),
  });
  late.app = app;
  // Realtime: persisted server → client events, /agent rooms and sync replay, domain events → pushes.
  const realtime = createRealtimeModule({
    connection,
    agent: sockets.agent,
    events,
    clock,
    logger,
    lookups: createConversationLookups({
      findConversation: (id) => conversations.conversations.findConversation(id),
      findMessage: (id) => conversations.timeline.findMessage(id),
    }),
  });
  routing.attachSockets(sockets.agent);
  // Workers start once every connector registered its channels and media origins (a fetch job must
  // never meet an origin that is not registered yet).
  if (runWorkers) {
    sla.startWorkers();
    automations.startWorkers();
    care.startWorkers();
    staffMail?.startWorkers();
    // The demo channels' provider stubs are served by this hub itself: sends wait until it listens, or the
    // demo seed's first replies would meet a closed port and go through the retry path.
    const sendsToOwnStubs =
      config.TWILIO_DEMO || config.META_DEMO || config.TELEGRAM_DEMO || config.WECHAT_DEMO;
    if (sendsToOwnStubs && !httpServer.listening) httpServer.once('listening', () => outbound.startWorkers());
    else outbound.startWorkers();
    attachments.startWorkers((input) => conversations.timeline.attachToMessage(input));
    conversations.uploadCleanup.start();
    routing.start();
    integrations.startWorkers();
    imports.startWorkers();
    await tiers.startWorkers();
  }
  await connectors.start({ servesTraffic, runsWorkers: runWorkers });

  // Demo data on first start of an empty database (SEED_DEMO), through the real services and ingest.
  if (config.SEED_DEMO)
    await runDemoSeed({
      connection,
      identity: agentsModule.agents,
      setContactTier: (contactId, tier) => contactsModule.contacts.updateContact(contactId, { tier }),
      sla: sla.admin,
      extras: [
        (context) => seedDemoCannedResponses(templatesModule.canned, context),
        (context) => seedDemoAutomations(automations, context),
      ],
      afterStories: [
        () =>
          seedDemoCare(care, {
            resolvedComplaints: async () =>
              (
                await conversations.models.Conversation.find({ category: 'complaint', status: 'resolved' })
                  .limit(20)
                  .lean<ConversationDoc[]>()
              ).flatMap((doc) =>
                doc.metrics?.resolvedAt
                  ? [{ conversationId: String(doc._id), resolvedAt: doc.metrics.resolvedAt }]
                  : [],
              ),
          }),
      ],
      ingest,
      conversations: conversations.conversations,
      timeline: conversations.timeline,
      clock,
      logger,
    }).catch((error: unknown) => logger.error({ err: error }, 'demo seed failed'));

  let closing: Promise<void> | undefined;
  const hub: Hub = {
    config,
    logger,
    clock,
    metrics,
    connection,
    redis,
    queues,
    events,
    templates,
    httpServer,
    app,
    sockets,
    agents: agentsModule,
    contacts: contactsModule,
    imports,
    tiers,
    conversations,
    ingest,
    outbound,
    channels,
    attachments,
    realtime,
    sla,
    routing,
    automations,
    integrations,
    care,
    listen(port, host = config.HOST) {
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => resolve((httpServer.address() as AddressInfo).port));
      });
    },
    close() {
      closing ??= (async () => {
        const httpClosed = new Promise<void>((resolve) => {
          if (!httpServer.listening) return resolve();
          httpServer.close(() => resolve());
        });
        httpServer.closeIdleConnections();
        sockets.io.disconnectSockets(true);
        await httpClosed;
        await new Promise<void>((resolve) => void sockets.io.close(() => resolve()));
        await connectors.stop();
        await integrations.stop();
        await routing.close();
        templatesModule.stop();
        await sla.stop();
        automations.stop();
        await care.stop();
        outbound.stop();
        conversations.uploadCleanup.stop();
        await queues.close();
        staffMail?.close();
        socketRedis.disconnect();
        await redis.quit().catch(() => undefined);
        await connection.close();
      })();
      return closing;
    },
  };
  // A merge a crash left half-done is finished now that every data owner is registered (idempotent).
  await contactsModule.contacts
    .resumePendingMerges()
    .catch((error: unknown) => logger.error({ err: error }, 'resuming pending contact merges failed'));
  return hub;
}
