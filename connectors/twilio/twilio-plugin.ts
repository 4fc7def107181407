/**
 * The Twilio plug-in (SMS, WhatsApp through Twilio, voice): the channel of the config-defined inbox
 * (TWILIO_* variables) and a factory for admin-configured Twilio inboxes, the `/webhooks/twilio/*` routes
 * over the ingest sink, click-to-call and the browser-phone token under `/api`, Twilio's media origin, and,
 * in demo mode, the built-in Twilio stub at /twilio-stub with its customer simulator panel.
 */
import type {
  ChannelKind,
  ConnectorContext,
  ConnectorContribution,
  ConnectorMediaSource,
  ConnectorPlugin,
  ConnectorRoute,
} from '../channel';
import { createSendHints } from '../social/send-hints';
import { createTwilioChannel, type TwilioChannel } from './twilio-channel';
import { createRedisCallSessions } from './twilio-call-sessions';
import { configTwilioInbox, createTwilioInboxDirectory, twilioInboxFromAdmin } from './twilio-inboxes';
import type { ConnectTarget } from './twilio-twiml';
import { clientIdentity, createVoiceApiRouter } from './twilio-voice-api';
import type { VoiceRouting } from './twilio-webhook-deps';
import { createTwilioWebhookRouter } from './twilio-webhooks';
import { createTwilioSimulatorRouter } from './simulator/twilio-simulator.routes';
import { createTwilioStub } from './stub/twilio-stub';

export { CONFIG_TWILIO_INBOX_ID } from './twilio-inboxes';

const TWILIO_KINDS: ChannelKind[] = ['sms', 'whatsapp', 'voice'];
/** Demo-only API key for browser-phone tokens (the stub accepts anything signed with it). */
const DEMO_API_KEY = {
  apiKeySid: `SK${'0'.repeat(32)}`,
  apiKeySecret: 'omnihub-demo-api-key-secret',
  twimlAppSid: `AP${'0'.repeat(32)}`,
};

function createTwilioContribution(context: ConnectorContext): ConnectorContribution {
  const { config, publicUrl, hub } = context;
  const baseInbox = configTwilioInbox(config);
  const configInbox = baseInbox && config.TWILIO_DEMO ? { ...DEMO_API_KEY, ...baseInbox } : baseInbox;
  const apiBaseUrl = config.TWILIO_API_BASE;
  const hints = createSendHints(context.redis, context.keyPrefix);
  const channelFor = (inbox: NonNullable<typeof configInbox>) =>
    createTwilioChannel({ inbox, publicUrl, hints, ...(apiBaseUrl ? { apiBaseUrl } : {}) });
  const channel = configInbox ? channelFor(configInbox) : null;
  const inboxes = createTwilioInboxDirectory({ configInbox, inboxes: context.inboxes });

  // Media URLs are on Twilio's API origin (the stub's in demo mode) and need the account's basic auth.
  const mediaSource: ConnectorMediaSource = {
    name: 'twilio',
    origin: apiBaseUrl ?? 'https://api.twilio.com',
    async authFor({ inboxId }) {
      const account = inboxId ? await inboxes.findById(inboxId) : configInbox;
      return account ? { type: 'basic', username: account.accountSid, password: account.authToken } : null;
    },
  };

  // A call connects to whoever the conversation is assigned to: their phone, else their browser phone.
  const voiceRouting: VoiceRouting = {
    async findConnectTarget(conversationId): Promise<ConnectTarget | null> {
      const conversation = await hub.conversations.find(conversationId);
      if (!conversation?.assigneeId) return null;
      const phone = await hub.agents.findPhone(conversation.assigneeId);
      return phone ? { phone } : { client: clientIdentity(conversation.assigneeId) };
    },
  };

  const webhookRouter = createTwilioWebhookRouter({
    publicUrl,
    inboxes,
    sink: context.sink,
    clock: context.clock,
    renderPrompt: (key, locale, data) => hub.templates.render({ key, channel: 'voice', locale, data }).text,
    companyName: config.COMPANY_NAME,
    maxWaitSeconds: config.VOICE_MAX_WAIT_SECONDS,
    callSessions: createRedisCallSessions(context.redis, context.keyPrefix),
    voiceRouting,
    businessHours: hub.businessHours,
    conversations: { findNumber: async (id) => (await hub.conversations.find(id))?.number ?? null },
    logger: context.logger,
  });

  const resolveChannel = async (inboxId: string | null): Promise<TwilioChannel | null> => {
    if (!inboxId || inboxId === configInbox?.inboxId) return channel;
    const inbox = await context.inboxes.findById(inboxId);
    const admin = inbox && TWILIO_KINDS.includes(inbox.channel) ? twilioInboxFromAdmin(inbox) : null;
    return admin ? channelFor(admin) : channel;
  };

  const routes: ConnectorRoute[] = [
    { path: '/webhooks/twilio', router: webhookRouter, parsesOwnBody: true },
    {
      path: '/api',
      router: createVoiceApiRouter({
        publicUrl,
        clock: context.clock,
        hub,
        resolveChannel,
        tokenInbox: configInbox,
      }),
    },
  ];
  const contribution: ConnectorContribution = {
    routes,
    channels: channel ? [{ channel }] : [],
    factories: TWILIO_KINDS.map((kind) => ({
      kind,
      create(inbox) {
        const twilioInbox = twilioInboxFromAdmin(inbox);
        if (!twilioInbox)
          throw new Error(`inbox ${inbox.id} lacks Twilio credentials (accountSid, authToken)`);
        return channelFor(twilioInbox);
      },
    })),
    mediaSources: [mediaSource],
  };

  if (config.TWILIO_DEMO && configInbox) {
    const stub = createTwilioStub({
      accountSid: configInbox.accountSid,
      authToken: configInbox.authToken,
      publicUrl,
      // The stub lives in this process: it reaches the hub on its own listening address.
      deliverTo: context.selfUrl,
      baseUrl: `${publicUrl}/twilio-stub`,
      ...(configInbox.phoneNumber ? { phoneNumber: configInbox.phoneNumber } : {}),
      ...(configInbox.whatsappNumber ? { whatsappNumber: configInbox.whatsappNumber } : {}),
      statusDelayMs: 500,
      onError: (error) => context.logger.warn({ err: error }, 'twilio stub webhook failed'),
    });
    routes.push(
      { path: '/twilio-stub', router: stub.router, parsesOwnBody: true },
      { path: '/simulator/twilio', router: createTwilioSimulatorRouter({ stub, pauseScaleMs: 250 }) },
    );
    contribution.simulator = [
      { label: 'SMS, WhatsApp and phone (Twilio) · 短信、WhatsApp、电话', path: '/simulator/twilio/' },
    ];
  }
  return contribution;
}

/** The Twilio entry of `connectors/plugins.ts`. */
export const twilioPlugin: ConnectorPlugin = { name: 'twilio', create: createTwilioContribution };
