import { z } from 'zod';
import type { Logger } from '../../lib/logger';
import type { AgentNamespace } from '../../realtime/socket-server';
import type { Offers } from './offers';
import type { Presence } from './presence';

const PresenceSchema = z.strictObject({ status: z.enum(['online', 'away', 'offline']) });
const OfferSchema = z.strictObject({ offerId: z.string().min(1).max(100) });

type Ack = (
  result: { ok: true; [key: string]: unknown } | { ok: false; error: { code: string; message: string } },
) => void;
const toAck = (ack: unknown): Ack => (typeof ack === 'function' ? (ack as Ack) : () => undefined);

/**
 * Routing's socket events on /agent: presence, offer accept and decline. Payloads are validated; every
 * event answers through its ack; a failure never takes the connection down.
 */
export function attachRoutingSocketHandlers(deps: {
  agent: AgentNamespace;
  presence: Presence;
  offers: Offers;
  logger: Logger;
}) {
  deps.agent.on('connection', (socket) => {
    const { agentId } = socket.data.principal;
    const run = (name: string, ack: Ack, task: () => Promise<void>) => {
      task().catch((error: unknown) => {
        deps.logger.error({ err: error, agentId, event: name }, 'routing socket event failed');
        ack({ ok: false, error: { code: 'INTERNAL', message: 'Something went wrong; try again.' } });
      });
    };
    const invalid = (ack: Ack, error: z.ZodError) =>
      ack({
        ok: false,
        error: { code: 'INVALID_INPUT', message: error.issues.map((i) => i.message).join('; ') },
      });

    run(
      'connect',
      () => undefined,
      () => deps.presence.socketConnected(agentId, socket.id),
    );
    socket.on('disconnect', () =>
      run(
        'disconnect',
        () => undefined,
        () => deps.presence.socketDisconnected(agentId, socket.id),
      ),
    );

    socket.on('presence:set', (payload: unknown, rawAck: unknown) => {
      const ack = toAck(rawAck);
      const parsed = PresenceSchema.safeParse(payload);
      if (!parsed.success) return invalid(ack, parsed.error);
      run('presence:set', ack, async () => {
        await deps.presence.setStatus(agentId, parsed.data.status);
        ack({ ok: true });
      });
    });
    socket.on('presence:get', (_payload: unknown, rawAck: unknown) => {
      const ack = toAck(rawAck);
      run('presence:get', ack, async () => {
        ack({ ok: true, status: await deps.presence.getStatus(agentId) });
      });
    });
    socket.on('offer:accept', (payload: unknown, rawAck: unknown) => {
      const ack = toAck(rawAck);
      const parsed = OfferSchema.safeParse(payload);
      if (!parsed.success) return invalid(ack, parsed.error);
      run('offer:accept', ack, async () => {
        const outcome = await deps.offers.accept(parsed.data.offerId, agentId);
        ack(
          outcome.ok
            ? { ok: true, conversationId: outcome.conversationId }
            : { ok: false, error: { code: outcome.code, message: outcome.message } },
        );
      });
    });
    socket.on('offer:decline', (payload: unknown, rawAck: unknown) => {
      const ack = toAck(rawAck);
      const parsed = OfferSchema.safeParse(payload);
      if (!parsed.success) return invalid(ack, parsed.error);
      run('offer:decline', ack, async () => {
        const declined = await deps.offers.decline(parsed.data.offerId, agentId);
        ack(
          declined
            ? { ok: true }
            : {
                ok: false,
                error: { code: 'OFFER_GONE', message: 'This offer has expired or was withdrawn.' },
              },
        );
      });
    });
  });
}
