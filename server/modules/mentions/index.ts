/**
 * Mentions: `@[Name](agentId)` in an internal note notifies that agent (stored list `mentions`, socket
 * event `mention:new` to their room), if they may see the conversation. API `/api/mentions`.
 */
import type { RequestHandler } from 'express';
import type { Connection } from 'mongoose';
import type { DomainEvents } from '../../domain-events';
import type { HttpModule } from '../../http/app';
import type { Clock } from '../../lib/clock';
import type { EventBus } from '../../lib/event-bus';
import type { Logger } from '../../lib/logger';
import { createMentionsRouter } from './mentions.routes';
import { createMentionsService, type MentionsPorts } from './mentions.service';

export { mentionToken, mentionedAgentIds, withMentionNames } from './mention-tokens';
export type { MentionsPorts, MentionsService } from './mentions.service';

export function createMentionsModule(deps: {
  connection: Connection;
  events: EventBus<DomainEvents>;
  ports: MentionsPorts;
  clock: Clock;
  logger: Logger;
}) {
  const service = createMentionsService(deps);
  deps.events.on('message.created', async ({ messageId, isPrivate }) => {
    if (!isPrivate) return;
    await service.notifyForNote(messageId).catch((error: unknown) => {
      deps.logger.error({ err: error, messageId }, 'mention notifications failed');
    });
  });
  return {
    service,
    httpModule: (guards: { requireAuth: RequestHandler }): HttpModule => ({
      path: '/api/mentions',
      router: createMentionsRouter({ mentions: service, requireAuth: guards.requireAuth }),
    }),
  };
}
export type MentionsModule = ReturnType<typeof createMentionsModule>;
