import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import type { Config } from './config';
import type { DomainEvents } from './domain-events';
import { buildApp, type HttpModule } from './http/app';
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
import { loadTemplates, type TemplateRenderer } from './modules/templates';
import { createAgentsModule, type AgentsModule } from './modules/agents';
import { createContactsModule, type ContactsModule } from './modules/contacts';
import { createConversationsModule, type ConversationsModule } from './modules/conversations';
import { createIngestService, type IngestService } from './modules/ingest';
import { runDemoSeed } from './modules/demo';
import { createOutboundModule, createOutboundTimeline, type OutboundService } from './modules/outbound';
import { createAttachmentsModule, type AttachmentsModule } from './modules/attachments';
import { createChannelsModule, type ChannelsModule } from './modules/channels';
import { createConversationLookups, createRealtimeModule, type RealtimeService } from './modules/realtime';
import { createAutomatedSender, createSlaModule, type SlaModule } from './modules/sla';
import { createRoutingModule, type RoutingModule } from './modules/routing';
import { createCalendarBusinessHours, createTwilioModule } from './modules/webhooks/twilio';
import { createSocketServer, type SocketAuthenticator, type SocketServer } from './realtime/socket-server';

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
  /** Run queue processors in this process (default true; a web-only process sets false). */
  runWorkers?: boolean;
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
  sockets: SocketServer;
  /** Agents, teams, auth and audit (identity). */
  agents: AgentsModule;
  /** Contacts and organizations: `contacts.resolveContact` for ingest, `registerContactDataOwner` for merge/export/erase. */
  contacts: ContactsModule;
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
  const metrics = createMetrics();
  const connection = await connectMongoose({ uri: options.infra.mongoUri, dbName: config.MONGODB_DB });
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
  const channels = createChannelsModule({ connection, logger, secrets: createSecretBox(credentialsKey) });
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
    loadContactView: (contactId) => contactsModule.contacts.findContact(contactId),
    findContactIds: async (q, limit) =>
      (await contactsModule.contacts.searchContacts({ q, limit })).items.map((contact) => contact.id),
    deleteAttachment: (storageKey) => attachments.store.delete(storageKey),
    validateAssignment: async ({ assigneeId, teamId }) => {
      const agent = assigneeId ? await agentsModule.agents.findAgent(assigneeId) : null;
      if (assigneeId && !agent?.active)
        throw new AppError('INVALID_INPUT', { userMessage: 'Unknown or inactive agent.' });
      if (teamId && !(await agentsModule.agents.findTeam(teamId)))
        throw new AppError('INVALID_INPUT', { userMessage: 'Unknown team.' });
    },
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
  });
  const ingest = createIngestService({
    conversations: conversations.conversations,
    timeline: conversations.timeline,
    contacts: {
      resolveContact: (input) => contactsModule.contacts.resolveContact(input),
      describeContact: async (contactId) => {
        const contact = await contactsModule.contacts.findContact(contactId);
        return contact ? { name: contact.name, ...(contact.tier ? { tier: contact.tier } : {}) } : null;
      },
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
    runWorkers: options.runWorkers !== false,
  });
  // Twilio (SMS, WhatsApp, voice): connectors in the registry, /webhooks/twilio, click-to-call and the
  // voice token; in demo mode the built-in Twilio stub and the customer simulator (/simulator).
  const twilioModule = createTwilioModule({
    config,
    logger,
    clock,
    redis,
    templates,
    channels,
    sink: ingest,
    requireAuth: agentsModule.requireAuth,
    findConversation: (id) => conversations.conversations.findConversation(id),
    findContactPhones: async (contactId) =>
      (await contactsModule.contacts.findContact(contactId))?.phones ?? null,
    findAgentPhone: async (agentId) => (await agentsModule.agents.findAgent(agentId))?.phone ?? null,
    businessHours: createCalendarBusinessHours({
      findInboxTeamId: async (inboxId) => (await channels.inboxes.findConfig(inboxId))?.teamId ?? null,
      findTeamCalendarId: async (teamId) => (await sla.store.findTeam(teamId))?.calendarId ?? null,
      findCalendar: async (calendarId) => (await sla.store.getRules()).calendars.get(calendarId) ?? null,
    }),
  });
  attachments.mediaSources.register(twilioModule.mediaSource);
  if (options.runWorkers !== false) {
    sla.startWorkers();
    staffMail?.startWorkers();
    outbound.startWorkers();
    attachments.startWorkers((input) => conversations.timeline.attachToMessage(input));
  }

  const httpModules: HttpModule[] = [
    { path: '/', router: createHealthRouter({ checks, metrics }) },
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
    ...sla.httpModules({
      requireAuth: agentsModule.requireAuth,
      requireAdmin: agentsModule.requireRole('admin'),
      requireSupervisor: agentsModule.requireRole('supervisor', 'admin'),
    }),
    ...twilioModule.httpModules,
  ];

  const app = buildApp({
    logger,
    metrics,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    modules: httpModules,
    spas: [{ path: '/app', dir: path.join(projectRoot, 'agent-ui', 'dist') }],
    homePath: '/app/',
  });
  const httpServer = createServer(app);
  // The streams adapter re-polls at once when a read fails: its client must queue commands while
  // (re)connecting, or every read rejects synchronously and the loop starves the event loop.
  const socketRedis = new Redis(options.infra.redisUrl, { maxRetriesPerRequest: null });
  socketRedis.on('error', (error) => logger.warn({ err: error }, 'socket adapter redis error'));
  const sockets = createSocketServer({ httpServer, logger, metrics, authenticate, redis: socketRedis });
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
  if (options.runWorkers !== false) routing.start();

  // Demo data on first start of an empty database (SEED_DEMO), through the real services and ingest.
  if (config.SEED_DEMO)
    await runDemoSeed({
      connection,
      identity: agentsModule.agents,
      setContactTier: (contactId, tier) => contactsModule.contacts.updateContact(contactId, { tier }),
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
    sockets,
    agents: agentsModule,
    contacts: contactsModule,
    conversations,
    ingest,
    outbound,
    channels,
    attachments,
    realtime,
    sla,
    routing,
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
        await routing.close();
        await sla.stop();
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
