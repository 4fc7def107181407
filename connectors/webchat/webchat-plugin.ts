/**
 * The web chat plug-in: the widget (`/widget.js?inbox=<publicToken>`, its iframe and bundles), the
 * `/customer` Socket.IO namespace handlers, the channel of the config-defined inbox (`webchat`) and a
 * factory for admin-configured web chat inboxes, agent typing pushed to visitors, conversation status
 * pushed to the widget (CSAT on resolution), and in demo mode the demo shop page at /simulator/webchat.
 */
import type { ConnectorContext, ConnectorContribution, ConnectorPlugin } from '../channel';
import { createBundleCache } from './webchat-bundles';
import { createWebchatChannel } from './webchat-channel';
import { configWebchatInbox, createWebchatInboxes, webchatInboxFromAdmin } from './webchat-inboxes';
import { createWebchatLimiter, parseTrustedProxies } from './webchat-limits';
import { createWebchatRouters } from './webchat-routes';
import { createWebchatSimulatorRouter } from './webchat-simulator';
import { attachWebchatSockets, type WebchatSettings } from './webchat-socket';
import { createWebchatStore } from './webchat-store';
import { createVisitorActions, customerRooms, toWidgetQueue } from './webchat-visitors';
import { createVisitorTokens, type VisitorTokens } from './visitor-token';

export { CONFIG_WEBCHAT_INBOX_ID } from './webchat-inboxes';

/** A queue move is pushed to waiting visitors this long after it (moves in a burst are ranked once). */
const QUEUE_PUSH_DELAY_MS = 500;
/** Agent typing reaches the visitor at most this often per agent and conversation. */
const AGENT_TYPING_INTERVAL_MS = 1_500;

function createWebchatContribution(context: ConnectorContext): ConnectorContribution {
  const { config } = context;
  const configInbox = configWebchatInbox(config);
  const inboxes = createWebchatInboxes({ configInbox, inboxes: context.inboxes });
  const store = createWebchatStore(context.redis, context.keyPrefix);
  const limiter = createWebchatLimiter({
    redis: context.redis,
    keyPrefix: context.keyPrefix,
    now: () => context.clock.now().getTime(),
  });
  const settings: WebchatSettings = {
    messagesPerMinute: config.WEBCHAT_MESSAGES_PER_MINUTE,
    ipMessagesPerMinute: config.WEBCHAT_IP_MESSAGES_PER_MINUTE,
    connectionsPerMinute: config.WEBCHAT_CONNECTIONS_PER_MINUTE,
    maxMessageChars: config.WEBCHAT_MAX_MESSAGE_CHARS,
    maxAttachmentBytes: Math.min(config.WEBCHAT_ATTACHMENT_MAX_BYTES, config.ATTACHMENT_MAX_BYTES),
    trustedProxies: parseTrustedProxies(config.WEBCHAT_TRUSTED_PROXIES),
  };
  let signer: Promise<VisitorTokens> | null = null;
  const tokens = () => {
    signer ??= (async () =>
      createVisitorTokens(config.WEBCHAT_VISITOR_TOKEN_SECRET ?? (await store.tokenSecret()), {
        lifetimeSec: Math.round(config.WEBCHAT_VISITOR_TOKEN_TTL_DAYS * 86_400),
        nowSec: () => Math.floor(context.clock.now().getTime() / 1000),
      }))().catch((error: unknown) => {
      signer = null;
      throw error;
    });
    return signer;
  };
  const actions = createVisitorActions({ context, store });
  const bundles = createBundleCache();
  // Build early so the first visitor does not wait for esbuild; a failure is retried on first request.
  bundles.get().catch((error: unknown) => context.logger.warn({ err: error }, 'widget build failed'));

  attachWebchatSockets({ context, inboxes, store, tokens, limiter, actions, settings });
  wireSignals(context);

  const offlineGraceMs = config.WEBCHAT_OFFLINE_GRACE_SECONDS * 1000;
  const routers = createWebchatRouters({
    context,
    inboxes,
    bundles,
    tokens,
    store,
    limiter,
    actions,
    settings,
  });
  const contribution: ConnectorContribution = {
    routes: [
      { path: '/widget.js', router: routers.loader },
      { path: '/webchat', router: routers.widget, parsesOwnBody: true },
    ],
    channels: [
      {
        channel: createWebchatChannel({ inboxId: configInbox.inboxId, context, store, offlineGraceMs }),
        isDefault: true,
      },
    ],
    factories: [
      {
        kind: 'webchat',
        create(inbox) {
          if (!webchatInboxFromAdmin(inbox))
            throw new Error(`inbox ${inbox.id} has no web chat public token`);
          return createWebchatChannel({ inboxId: inbox.id, context, store, offlineGraceMs });
        },
      },
    ],
  };
  if (config.SEED_DEMO) {
    contribution.routes!.push({
      path: '/simulator/webchat',
      router: createWebchatSimulatorRouter({ config }),
    });
    contribution.simulator = [
      { label: 'Web chat on a demo shop · 网站在线客服', path: '/simulator/webchat/' },
    ];
  }
  return contribution;
}

/** Conversation status and agent typing, pushed to the visitor's sockets on every hub process. */
function wireSignals(context: ConnectorContext): void {
  const signals = context.hub.signals;
  if (!signals) return;
  signals.onConversationUpdated(({ conversationId, changes, status }) => {
    if (!changes.includes('status') || !status) return;
    context.customerSockets
      .to(customerRooms.conversation(conversationId))
      .emit('conversation', { id: conversationId, status, csatAsked: status === 'resolved' });
  });
  wireQueue(context);
  const lastTyping = new Map<string, number>();
  signals.onAgentTyping(({ conversationId, agentId }) => {
    const key = `${conversationId}:${agentId}`;
    const now = Date.now();
    if (now - (lastTyping.get(key) ?? 0) < AGENT_TYPING_INTERVAL_MS) return;
    lastTyping.set(key, now);
    if (lastTyping.size > 10_000) lastTyping.clear();
    void (async () => {
      // Only the agent the conversation is assigned to is shown typing to the customer.
      const conversation = await context.hub.conversations.find(conversationId);
      if (conversation?.primaryChannel !== 'webchat' || conversation.assigneeId !== agentId) return;
      context.customerSockets
        .to(customerRooms.conversation(conversationId))
        .emit('typing', { from: 'agent' });
    })().catch((error: unknown) => context.logger.warn({ err: error }, 'agent typing relay failed'));
  });
}

/**
 * When a team's queue moves, every web chat conversation still waiting in it gets its new place and
 * expected wait pushed (coalesced per team: one ranking per burst of assignments).
 */
function wireQueue(context: ConnectorContext): void {
  const queue = context.hub.queue;
  if (!queue) return;
  const pending = new Map<string, NodeJS.Timeout>();
  queue.onMoved(({ teamId, conversationId }) => {
    // The one that left is no longer waiting (an empty room when it is not a web chat).
    context.customerSockets.to(customerRooms.conversation(conversationId)).emit('queue', { queue: null });
    if (pending.has(teamId)) return;
    const timer = setTimeout(() => {
      pending.delete(teamId);
      void queue
        .team(teamId)
        .then((places) => {
          for (const place of places)
            if (place.channel === 'webchat')
              context.customerSockets
                .to(customerRooms.conversation(place.conversationId))
                .emit('queue', { queue: toWidgetQueue(place) });
        })
        .catch((error: unknown) => context.logger.warn({ err: error, teamId }, 'queue push failed'));
    }, QUEUE_PUSH_DELAY_MS);
    timer.unref();
    pending.set(teamId, timer);
  });
}

/** The web chat entry of `connectors/plugins.ts`. */
export const webchatPlugin: ConnectorPlugin = { name: 'webchat', create: createWebchatContribution };
