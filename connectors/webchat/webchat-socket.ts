/**
 * The `/customer` namespace: the handshake admits a visitor of one inbox (public token, origin allowlist,
 * connection limit per address, a hub-signed visitor token and, where the inbox asks for it, a verified
 * identity), then serves history resume, messages, typing, read receipts and CSAT. Every payload is
 * validated; anything malformed or unknown is answered with an error, never thrown.
 */
import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io';
import { z } from 'zod';
import type { ConnectorContext } from '../channel';
import type { CustomerServerToClientEvents, WidgetSession } from './webchat-events';
import { ATTACHMENT_TYPES } from './webchat-events';
import type { WebchatInbox, WebchatInboxes } from './webchat-inboxes';
import { clientAddress, type WebchatLimiter } from './webchat-limits';
import type { VisitorRecord, WebchatStore } from './webchat-store';
import { customerRooms, VisitorError, type VisitorActions } from './webchat-visitors';
import { verifyIdentityHash, visitorKeys, type TokenRefusal, type VisitorTokens } from './visitor-token';

export interface WebchatSettings {
  messagesPerMinute: number;
  ipMessagesPerMinute: number;
  connectionsPerMinute: number;
  maxMessageChars: number;
  maxAttachmentBytes: number;
  trustedProxies: ReadonlySet<string>;
}

const HandshakeSchema = z.object({
  inbox: z.string().regex(/^[A-Za-z0-9_-]{3,64}$/),
  token: z.string().max(2048).optional(),
  identity: z
    .strictObject({
      identifier: z.string().min(1).max(200),
      identifierHash: z.string().max(200),
    })
    .optional(),
  locale: z.string().max(20).optional(),
});

const SHORT = z.string().trim().max(200);
const ProfileSchema = z.strictObject({
  name: SHORT.optional(),
  email: z.email().max(254).optional(),
  phone: z
    .string()
    .trim()
    .regex(/^\+?[0-9 ()-]{5,20}$/)
    .optional(),
  fields: z.record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,31}$/), SHORT).optional(),
});
const HistorySchema = z.strictObject({ afterSeq: z.number().int().min(0).max(1e9) });
const ReadSchema = z.strictObject({ seq: z.number().int().min(0).max(1e9) });
const CsatSchema = z.strictObject({
  score: z.number().int().min(1).max(5),
  comment: z.string().trim().max(1000).optional(),
});
const ClientIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/);

const KNOWN_EVENTS = new Set([
  'history',
  'profile:set',
  'message:send',
  'typing',
  'read',
  'csat:submit',
  'queue:get',
]);
const TYPING_MIN_INTERVAL_MS = 1_500;

type AnyAck = (result: unknown) => void;
const toAck = (ack: unknown): AnyAck => (typeof ack === 'function' ? (ack as AnyAck) : () => undefined);
const fail = (code: string, message: string, retryAfterSec?: number) => ({
  ok: false as const,
  error: { code, message, ...(retryAfterSec ? { retryAfterSec } : {}) },
});

interface VisitorSocketData {
  inbox: WebchatInbox;
  visitorKey: string;
  address: string;
  /** The token issued for this connection, and when (ms, the hub clock). */
  token: string;
  issuedAt: number;
  tokenRefused: TokenRefusal | null;
}

function refuse(code: string, message: string, extra: Record<string, unknown> = {}) {
  return Object.assign(new Error(code), { data: { code, message, ...extra } });
}

/** Same-origin (the hub's own iframe) or listed in the inbox's allowlist; an empty list allows any. */
function originAllowed(inbox: WebchatInbox, origin: string | undefined, host: string | undefined): boolean {
  if (!origin) return true; // Not a browser (server-side SDKs): tokens and limits still apply.
  try {
    if (host && new URL(origin).host === host) return true;
  } catch {
    return false;
  }
  return inbox.allowedOrigins.length === 0 || inbox.allowedOrigins.includes(origin.replace(/\/+$/, ''));
}

export function attachWebchatSockets(deps: {
  context: ConnectorContext;
  inboxes: WebchatInboxes;
  store: WebchatStore;
  tokens: () => Promise<VisitorTokens>;
  limiter: WebchatLimiter;
  actions: VisitorActions;
  settings: WebchatSettings;
}): void {
  const { context, store, limiter, actions, settings } = deps;
  const namespace = context.customerSockets;
  const log = context.logger;

  /** Resolves the handshake to a visitor: identity first, then the token, else a new anonymous visitor. */
  async function admit(socket: Socket): Promise<VisitorSocketData> {
    const parsed = HandshakeSchema.safeParse(socket.handshake.auth);
    if (!parsed.success) throw refuse('INVALID_INPUT', 'The widget sent a malformed handshake.');
    const { inbox: publicToken, token, identity } = parsed.data;
    const inbox = await deps.inboxes.findByToken(publicToken);
    if (!inbox) throw refuse('UNKNOWN_INBOX', 'This chat is not configured.');
    const headers = socket.handshake.headers;
    if (!originAllowed(inbox, headers.origin, headers.host))
      throw refuse('ORIGIN_REFUSED', 'This site may not embed the chat.');
    const address = clientAddress({
      peer: socket.handshake.address,
      forwardedFor: headers['x-forwarded-for'],
      trustedProxies: settings.trustedProxies,
    });
    const limit = await limiter.check([
      { scope: 'connect', id: `${inbox.inboxId}:${address}`, perMinute: settings.connectionsPerMinute },
    ]);
    if (!limit.allowed)
      throw refuse('RATE_LIMITED', 'Too many connections; try again shortly.', {
        retryAfterSec: limit.retryAfterSec,
      });
    const signer = await deps.tokens();
    const check = token ? signer.verify(token) : null;
    // A refused token (forged, another inbox's, expired) is said so in the session; the visitor goes on
    // as a new anonymous one (or as their verified identity, whose history follows them).
    let tokenRefused: TokenRefusal | null = check && !check.ok ? check.reason : null;
    if (check?.ok && check.claims.i !== inbox.inboxId) tokenRefused = 'invalid';
    let visitorKey: string | null = check?.ok && !tokenRefused ? check.claims.k : null;
    if (identity) {
      if (
        !inbox.identitySecret ||
        !verifyIdentityHash(inbox.identitySecret, identity.identifier, identity.identifierHash)
      )
        throw refuse('IDENTITY_INVALID', 'The identity could not be verified.');
      visitorKey = visitorKeys.identified(inbox.inboxId, identity.identifier);
    }
    if (inbox.requireIdentity && !(visitorKey && visitorKeys.isIdentified(visitorKey)))
      throw refuse('IDENTITY_REQUIRED', 'Sign in on the site to chat.');
    visitorKey ??= visitorKeys.anonymous(randomUUID().replace(/-/g, ''));
    const record = await store.ensure(visitorKey, inbox.inboxId);
    if (
      identity &&
      visitorKeys.isIdentified(visitorKey) &&
      identity.identifier.includes('@') &&
      !record.profile.email
    )
      await store.update(visitorKey, (r) => {
        r.profile.email = identity.identifier.toLowerCase();
      });
    return {
      inbox,
      visitorKey,
      address,
      token: signer.issue({ k: visitorKey, i: inbox.inboxId }),
      issuedAt: context.clock.now().getTime(),
      tokenRefused,
    };
  }

  async function sessionFor(data: VisitorSocketData, record: VisitorRecord): Promise<WidgetSession> {
    const { inbox } = data;
    const now = context.clock.now();
    const [open, nextOpening, conversation] = await Promise.all([
      context.hub.businessHours.isOpen({ inboxId: inbox.inboxId, at: now }),
      context.hub.businessHours.nextOpening({ inboxId: inbox.inboxId, at: now }),
      actions.currentConversation(record),
    ]);
    const required = inbox.prechat.filter((field) => field.required);
    const profileComplete = required.every((field) => Boolean(profileValue(record, field.key)));
    return {
      token: data.token,
      ...(data.tokenRefused ? { tokenRefused: data.tokenRefused } : {}),
      identified: visitorKeys.isIdentified(data.visitorKey),
      inbox: { name: inbox.name, prechat: inbox.prechat },
      profileComplete,
      hours: { open, nextOpening: open ? null : (nextOpening?.toISOString() ?? null) },
      queue: conversation ? await actions.queue(record) : null,
      conversation: conversation
        ? {
            id: conversation.id,
            number: conversation.number,
            status: conversation.status,
            csatAsked: conversation.status === 'resolved' && record.csatFor !== conversation.id,
          }
        : null,
      limits: {
        maxChars: settings.maxMessageChars,
        maxAttachmentBytes: settings.maxAttachmentBytes,
        attachmentTypes: [...ATTACHMENT_TYPES],
      },
    };
  }

  const admitted = new Map<string, VisitorSocketData>();
  namespace.use((socket, next) => {
    admit(socket)
      .then((data) => {
        // Only what other hub processes may see (fetchSockets serializes socket.data over Redis): the
        // inbox settings, secrets included, stay in this process.
        admitted.set(socket.id, data);
        socket.conn.once('close', () => admitted.delete(socket.id));
        socket.data = { inboxId: data.inbox.inboxId, visitorKey: data.visitorKey };
        next();
      })
      .catch((error: unknown) => {
        if (error instanceof Error && 'data' in error) return next(error);
        log.error({ err: error }, 'web chat handshake failed');
        next(refuse('INTERNAL', 'Something went wrong; try again.'));
      });
  });

  namespace.on('connection', (socket: Socket<Record<string, never>, CustomerServerToClientEvents>) => {
    const data = admitted.get(socket.id);
    admitted.delete(socket.id);
    if (!data) {
      socket.disconnect(true);
      return;
    }
    const { inbox, visitorKey } = data;
    let lastTypingAt = 0;
    let joined: string | null = null;

    const record = () => store.ensure(visitorKey, inbox.inboxId);
    /** The socket follows the visitor's conversation room (status, agent typing). */
    const follow = async (conversationId: string | null) => {
      if (!conversationId || joined === conversationId) return;
      if (joined) await socket.leave(customerRooms.conversation(joined));
      joined = conversationId;
      await socket.join(customerRooms.conversation(conversationId));
    };

    /** A socket used for longer than the refresh age gets a fresh token (the lifetime slides while used). */
    const refreshToken = () => {
      const now = context.clock.now().getTime();
      void deps
        .tokens()
        .then((signer) => {
          if (now - data.issuedAt < signer.refreshAfterSec * 1000) return;
          data.issuedAt = now;
          data.token = signer.issue({ k: visitorKey, i: inbox.inboxId });
          socket.emit('token', { token: data.token });
        })
        .catch((error: unknown) => log.warn({ err: error }, 'web chat token refresh failed'));
    };

    const handle = (event: string, run: (payload: unknown, ack: AnyAck) => Promise<void>) => {
      socket.on(
        event as never,
        ((payload: unknown, rawAck: unknown) => {
          const ack = toAck(rawAck);
          refreshToken();
          run(payload, ack).catch((error: unknown) => {
            if (error instanceof VisitorError)
              return ack(fail(error.code, error.message, error.retryAfterSec));
            log.error({ err: error, event }, 'web chat event failed');
            ack(fail('INTERNAL', 'Something went wrong; try again.'));
          });
        }) as never,
      );
    };

    const limitMessages = async () => {
      const decision = await limiter.check([
        { scope: 'msg-visitor', id: `${inbox.inboxId}:${visitorKey}`, perMinute: settings.messagesPerMinute },
        { scope: 'msg-ip', id: `${inbox.inboxId}:${data.address}`, perMinute: settings.ipMessagesPerMinute },
      ]);
      if (!decision.allowed)
        throw new VisitorError('RATE_LIMITED', 'You are sending messages too fast.', decision.retryAfterSec);
    };

    socket.onAny((event: string) => {
      if (!KNOWN_EVENTS.has(event))
        socket.emit('error:event', { code: 'UNKNOWN_EVENT', message: 'Unknown event.' });
    });

    handle('history', async (payload, ack) => {
      const parsed = HistorySchema.safeParse(payload);
      if (!parsed.success) return ack(fail('INVALID_INPUT', 'afterSeq must be a sequence number.'));
      const page = await actions.history(await record(), parsed.data.afterSeq);
      await follow(page.conversationId);
      ack({ ok: true, ...page });
    });

    handle('profile:set', async (payload, ack) => {
      const parsed = ProfileSchema.safeParse(payload);
      if (!parsed.success) return ack(fail('INVALID_INPUT', 'Please check the form.'));
      const missing = inbox.prechat.filter(
        (field) => field.required && !profileValue({ profile: parsed.data }, field.key),
      );
      if (missing.length)
        return ack(fail('INVALID_INPUT', `Required: ${missing.map((field) => field.key).join(', ')}.`));
      const allowed = new Set(inbox.prechat.map((field) => field.key));
      const fields = Object.fromEntries(
        Object.entries(parsed.data.fields ?? {}).filter(([key, value]) => allowed.has(key) && value),
      );
      await store.update(visitorKey, (r) => {
        if (parsed.data.name) r.profile.name = parsed.data.name;
        // A verified identity's email stays the one the site vouched for.
        if (parsed.data.email && !(visitorKeys.isIdentified(visitorKey) && r.profile.email))
          r.profile.email = parsed.data.email.toLowerCase();
        if (parsed.data.phone) r.profile.phone = parsed.data.phone;
        r.profile.fields = { ...r.profile.fields, ...fields };
      });
      ack({ ok: true });
    });

    handle('message:send', async (payload, ack) => {
      const parsed = z
        .strictObject({ clientId: ClientIdSchema, text: z.string().max(settings.maxMessageChars * 4) })
        .safeParse(payload);
      if (!parsed.success) return ack(fail('INVALID_INPUT', 'A message needs a clientId and text.'));
      const text = parsed.data.text.trim();
      if (!text) return ack(fail('INVALID_INPUT', 'The message is empty.'));
      if ([...text].length > settings.maxMessageChars)
        return ack(fail('TOO_LARGE', `Messages are limited to ${settings.maxMessageChars} characters.`));
      await limitMessages();
      const current = await record();
      const required = inbox.prechat.filter((field) => field.required);
      if (!required.every((field) => profileValue(current, field.key)))
        return ack(fail('PROFILE_REQUIRED', 'Please fill in the form first.'));
      const message = await actions.send({ inbox, record: current, clientId: parsed.data.clientId, text });
      await follow(message.conversationId);
      ack({ ok: true, message });
    });

    handle('typing', () => {
      const now = Date.now();
      if (joined && now - lastTypingAt >= TYPING_MIN_INTERVAL_MS) {
        lastTypingAt = now;
        context.hub.signals?.customerTyping(joined);
      }
      return Promise.resolve();
    });

    handle('read', async (payload, ack) => {
      const parsed = ReadSchema.safeParse(payload);
      if (!parsed.success) return ack(fail('INVALID_INPUT', 'seq must be a sequence number.'));
      await actions.markRead(inbox, await record(), parsed.data.seq);
      ack({ ok: true });
    });

    handle('queue:get', async (_payload, ack) => {
      ack({ ok: true, queue: await actions.queue(await record()) });
    });

    handle('csat:submit', async (payload, ack) => {
      const parsed = CsatSchema.safeParse(payload);
      if (!parsed.success) return ack(fail('INVALID_INPUT', 'A rating is a whole number from 1 to 5.'));
      await actions.rate(await record(), {
        score: parsed.data.score,
        ...(parsed.data.comment ? { comment: parsed.data.comment } : {}),
      });
      ack({ ok: true });
    });

    socket.on('disconnect', () => {
      void store
        .update(visitorKey, (r) => {
          r.lastSeenAt = context.clock.now().getTime();
        })
        .catch(() => undefined);
    });

    void (async () => {
      await socket.join(customerRooms.visitor(visitorKey));
      const current = await store.update(visitorKey, (r) => {
        r.lastSeenAt = context.clock.now().getTime();
      });
      const session = await sessionFor(data, current ?? (await record()));
      await follow(session.conversation?.id ?? null);
      socket.emit('session', session);
    })().catch((error: unknown) => {
      log.error({ err: error }, 'web chat session failed');
      socket.disconnect(true);
    });
  });
}

function profileValue(record: Pick<VisitorRecord, 'profile'>, key: string): string | undefined {
  const profile = record.profile;
  if (key === 'name') return profile.name;
  if (key === 'email') return profile.email;
  if (key === 'phone') return profile.phone;
  return profile.fields?.[key];
}
