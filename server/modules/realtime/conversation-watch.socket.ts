/**
 * The collision indicator's live signals on /agent: a socket watches one conversation at a time
 * (`conversation:watch`), after the same visibility check the REST API applies; everyone watching it is
 * told who is watching (`conversation:viewers`) whenever that changes, and `typing` in the watched
 * conversation reaches the other watchers (`conversation:typing`). These signals are ephemeral: not
 * persisted, not replayed by `sync` (a stale "is typing" must never come back after a reconnect).
 */
import { z } from 'zod';
import type { Logger } from '../../lib/logger';
import { rooms } from '../../realtime/socket-events';
import type { AgentNamespace, AgentSocket } from '../../realtime/socket-server';
import { canSeeConversation } from '../conversations';
import type { RealtimeLookups } from './realtime.listeners';

const WatchSchema = z.strictObject({
  conversationId: z
    .string()
    .regex(/^[0-9a-f]{24}$/i)
    .nullable(),
});
const TypingSchema = z.strictObject({ conversationId: z.string().regex(/^[0-9a-f]{24}$/i) });
/** A socket's typing signals are relayed at most this often (the UI sends one per keystroke burst). */
const TYPING_MIN_INTERVAL_MS = 1_500;

type Ack = (result: { ok: true } | { ok: false; error: { code: string; message: string } }) => void;
const toAck = (ack: unknown): Ack => (typeof ack === 'function' ? (ack as Ack) : () => undefined);

export function attachConversationWatchHandlers(deps: {
  agent: AgentNamespace;
  lookups: RealtimeLookups;
  logger: Logger;
}): void {
  /** Tells everyone watching a conversation who watches it now (on every hub process, via the adapter). */
  async function announceViewers(conversationId: string): Promise<void> {
    const room = rooms.conversation(conversationId);
    const sockets = await deps.agent.in(room).fetchSockets();
    const viewerIds = [...new Set(sockets.map((s) => s.data.principal.agentId))];
    deps.agent.to(room).emit('conversation:viewers', { conversationId, viewerIds });
  }

  const announce = (conversationId: string) =>
    announceViewers(conversationId).catch((error: unknown) =>
      deps.logger.warn({ err: error, conversationId }, 'viewer announcement failed'),
    );

  deps.agent.on('connection', (socket: AgentSocket) => {
    const principal = socket.data.principal;
    let watching: string | null = null;
    let lastTypingAt = 0;

    socket.on('conversation:watch', (payload: unknown, rawAck: unknown) => {
      const ack = toAck(rawAck);
      const parsed = WatchSchema.safeParse(payload);
      if (!parsed.success) {
        ack({ ok: false, error: { code: 'INVALID_INPUT', message: 'conversationId must be an id or null' } });
        return;
      }
      const next = parsed.data.conversationId;
      void (async () => {
        if (watching && watching !== next) {
          const previous = watching;
          watching = null;
          await socket.leave(rooms.conversation(previous));
          await announce(previous);
        }
        if (!next) return ack({ ok: true });
        const conversation = await deps.lookups.findConversationSummary(next);
        if (!conversation || !canSeeConversation(principal, conversation)) {
          return ack({ ok: false, error: { code: 'NOT_FOUND', message: 'Conversation not found.' } });
        }
        watching = next;
        await socket.join(rooms.conversation(next));
        await announce(next);
        ack({ ok: true });
      })().catch((error: unknown) => {
        deps.logger.error({ err: error, agentId: principal.agentId }, 'conversation:watch failed');
        ack({ ok: false, error: { code: 'INTERNAL', message: 'Something went wrong; try again.' } });
      });
    });

    socket.on('typing', (payload: unknown, rawAck: unknown) => {
      const ack = toAck(rawAck);
      const parsed = TypingSchema.safeParse(payload);
      if (!parsed.success || parsed.data.conversationId !== watching) {
        ack({ ok: false, error: { code: 'INVALID_INPUT', message: 'Watch the conversation first.' } });
        return;
      }
      const now = Date.now();
      if (now - lastTypingAt >= TYPING_MIN_INTERVAL_MS) {
        lastTypingAt = now;
        socket.to(rooms.conversation(watching)).emit('conversation:typing', {
          conversationId: watching,
          agentId: principal.agentId,
        });
      }
      ack({ ok: true });
    });

    socket.on('disconnect', () => {
      // The socket has left its rooms by now: the remaining watchers learn it is gone.
      if (watching) void announce(watching);
    });
  });
}
