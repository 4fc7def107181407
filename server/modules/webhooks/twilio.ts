/**
 * Twilio in the hub (public surface of the Twilio webhooks module): builds the connector of the
 * config-defined inbox and the factory for admin-configured Twilio inboxes (registered in the channel
 * registry), the `/webhooks/twilio/*` routes over the ingest sink, the click-to-call and voice-token API,
 * and, in demo mode, the built-in Twilio stub at /twilio-stub and the customer simulator at /simulator.
 *
 * The routers live in connectors/twilio (they receive the sink and small seams, never mongoose or
 * Socket.IO): a connector is then testable with an in-memory sink and stays the one place that knows
 * Twilio's wire format. This module only binds them to the hub's services.
 */
import type { Redis } from 'ioredis';
import type { RequestHandler } from 'express';
import type { ChannelKind, InboundSink } from '../../../connectors/channel';
import {
  createTwilioChannel,
  createTwilioWebhookRouter,
  type BusinessHours,
  type ConnectTarget,
  type TwilioChannel,
  type VoiceRouting,
} from '../../../connectors/twilio';
import { createTwilioStub, type TwilioStub } from '../../../connectors/twilio/stub/twilio-stub';
import type { Config } from '../../config';
import type { HttpModule } from '../../http/app';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import type { MediaSource } from '../attachments';
import type { ChannelsModule } from '../channels';
import { isBusinessTime, type BusinessCalendar } from '../sla';
import type { TemplateRenderer } from '../templates';
import { createRedisCallSessions } from './twilio-call-sessions';
import { configTwilioInbox, createTwilioInboxDirectory, twilioInboxFromAdmin } from './twilio-inboxes';
import { createTwilioSimulatorRouter } from './twilio-simulator.routes';
import { clientIdentity, createVoiceApiRouter } from './twilio-voice-api.routes';

export { CONFIG_TWILIO_INBOX_ID } from './twilio-inboxes';

export interface TwilioModuleDeps {
  config: Config;
  logger: Logger;
  clock: Clock;
  redis: Redis;
  templates: TemplateRenderer;
  channels: ChannelsModule;
  sink: InboundSink;
  requireAuth: RequestHandler;
  findConversation: (
    id: string,
  ) => Promise<{ inboxId: string; contactId: string; assigneeId?: string | null; number?: number } | null>;
  findContactPhones: (contactId: string) => Promise<string[] | null>;
  findAgentPhone: (agentId: string) => Promise<string | null>;
  /** The routing engine's seam; by default a call connects to the conversation's assignee once there is one. */
  voiceRouting?: VoiceRouting;
  /** Business hours of an inbox (SLA calendars); absent means always open. */
  businessHours?: BusinessHours;
}

export interface TwilioModule {
  httpModules: HttpModule[];
  /** The connector of the config-defined inbox (null when Twilio is not configured). */
  channel: TwilioChannel | null;
  /** The built-in stub (demo mode only). */
  stub: TwilioStub | null;
  /** Where Twilio media (MMS, WhatsApp) is downloaded from, with the receiving inbox's account credentials. */
  mediaSource: MediaSource;
}

const TWILIO_KINDS: ChannelKind[] = ['sms', 'whatsapp', 'voice'];
/** Demo-only API key for browser-phone tokens (the stub accepts anything signed with it). */
const DEMO_API_KEY = {
  apiKeySid: `SK${'0'.repeat(32)}`,
  apiKeySecret: 'omnihub-demo-api-key-secret',
  twimlAppSid: `AP${'0'.repeat(32)}`,
};

export function createTwilioModule(deps: TwilioModuleDeps): TwilioModule {
  const { config } = deps;
  const logger = deps.logger.child({ module: 'twilio' });
  const publicUrl = config.PUBLIC_URL;
  const baseInbox = configTwilioInbox(config);
  const configInbox = baseInbox && config.TWILIO_DEMO ? { ...DEMO_API_KEY, ...baseInbox } : baseInbox;
  const apiBaseUrl = config.TWILIO_API_BASE;
  const channel = configInbox
    ? createTwilioChannel({ inbox: configInbox, publicUrl, ...(apiBaseUrl ? { apiBaseUrl } : {}) })
    : null;
  if (channel) deps.channels.registry.register(channel);
  for (const kind of TWILIO_KINDS)
    deps.channels.registry.registerFactory(kind, (inbox) => {
      const twilioInbox = twilioInboxFromAdmin(inbox);
      if (!twilioInbox) throw new Error(`inbox ${inbox.id} lacks Twilio credentials (accountSid, authToken)`);
      return createTwilioChannel({ inbox: twilioInbox, publicUrl, ...(apiBaseUrl ? { apiBaseUrl } : {}) });
    });

  // Media URLs are on Twilio's API origin (the stub's in demo mode) and need the account's basic auth.
  const mediaSource: MediaSource = {
    name: 'twilio',
    origin: apiBaseUrl ?? 'https://api.twilio.com',
    async authFor({ inboxId }) {
      const account =
        inboxId && configInbox?.inboxId !== inboxId
          ? await deps.channels.inboxes
              .findConfig(inboxId)
              .then((inbox) => inbox && twilioInboxFromAdmin(inbox))
          : configInbox;
      return account ? { type: 'basic', username: account.accountSid, password: account.authToken } : null;
    },
  };

  const resolveTwilioChannel = async (inboxId: string | null): Promise<TwilioChannel | null> => {
    const resolved = await deps.channels.registry.resolve({ inboxId, channel: 'voice' });
    if (resolved && 'placeCall' in resolved) return resolved as TwilioChannel;
    return channel;
  };

  // Until routing says otherwise, a call connects to whoever the conversation is assigned to.
  const voiceRouting: VoiceRouting = deps.voiceRouting ?? {
    async findConnectTarget(conversationId): Promise<ConnectTarget | null> {
      const conversation = await deps.findConversation(conversationId);
      if (!conversation?.assigneeId) return null;
      const phone = await deps.findAgentPhone(conversation.assigneeId);
      return phone ? { phone } : { client: clientIdentity(conversation.assigneeId) };
    },
  };

  const webhookRouter = createTwilioWebhookRouter({
    publicUrl,
    inboxes: createTwilioInboxDirectory({ configInbox, inboxes: deps.channels.inboxes }),
    sink: deps.sink,
    clock: deps.clock,
    renderPrompt: (key, locale, data) => deps.templates.render({ key, channel: 'voice', locale, data }).text,
    companyName: config.COMPANY_NAME,
    maxWaitSeconds: config.VOICE_MAX_WAIT_SECONDS,
    callSessions: createRedisCallSessions(deps.redis, config.QUEUE_PREFIX),
    voiceRouting,
    ...(deps.businessHours ? { businessHours: deps.businessHours } : {}),
    conversations: {
      findNumber: async (id) => (await deps.findConversation(id))?.number ?? null,
    },
    logger,
  });

  const httpModules: HttpModule[] = [
    { path: '/webhooks/twilio', router: webhookRouter, parsesOwnBody: true },
    {
      path: '/api',
      router: createVoiceApiRouter({
        publicUrl,
        clock: deps.clock,
        requireAuth: deps.requireAuth,
        findConversation: deps.findConversation,
        findContactPhones: deps.findContactPhones,
        findAgentPhone: deps.findAgentPhone,
        resolveChannel: resolveTwilioChannel,
        tokenInbox: configInbox,
      }),
    },
  ];

  let stub: TwilioStub | null = null;
  if (config.TWILIO_DEMO && configInbox) {
    const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
    stub = createTwilioStub({
      accountSid: configInbox.accountSid,
      authToken: configInbox.authToken,
      publicUrl,
      // The stub lives in this process: it reaches the hub on its own listening address.
      deliverTo: config.PORT === 0 ? publicUrl : `http://${host}:${config.PORT}`,
      baseUrl: `${publicUrl}/twilio-stub`,
      ...(configInbox.phoneNumber ? { phoneNumber: configInbox.phoneNumber } : {}),
      ...(configInbox.whatsappNumber ? { whatsappNumber: configInbox.whatsappNumber } : {}),
      statusDelayMs: 500,
      onError: (error) => logger.warn({ err: error }, 'twilio stub webhook failed'),
    });
    httpModules.push(
      { path: '/twilio-stub', router: stub.router, parsesOwnBody: true },
      { path: '/simulator', router: createTwilioSimulatorRouter({ stub, pauseScaleMs: 250 }) },
    );
    logger.info(
      { simulator: `${publicUrl}/simulator` },
      'Twilio demo mode: built-in stub and customer simulator',
    );
  }

  return { httpModules, channel, stub, mediaSource };
}

/**
 * Business hours of a Twilio inbox from the SLA module's calendars: the inbox's team calendar. Inboxes
 * without a team or a calendar (the config-defined one) are always open.
 */
export function createCalendarBusinessHours(deps: {
  findInboxTeamId(inboxId: string): Promise<string | null>;
  findTeamCalendarId(teamId: string): Promise<string | null>;
  findCalendar(calendarId: string): Promise<BusinessCalendar | null>;
}): BusinessHours {
  return {
    async isOpen({ inboxId, at }) {
      const teamId = await deps.findInboxTeamId(inboxId);
      const calendarId = teamId ? await deps.findTeamCalendarId(teamId) : null;
      const calendar = calendarId ? await deps.findCalendar(calendarId) : null;
      return calendar ? isBusinessTime(calendar, at) : true;
    },
  };
}
