/**
 * One path for every raw mail that reaches us (SMTP listener, relay endpoint): parse, then hand it to the
 * sink. A bounce becomes the failed status of the mail it returns (and a hard bounce marks the address
 * undeliverable for automatic mail); anything else is ingested. Resolves once the result is durable, so
 * the SMTP listener answers 250 only then.
 */
import type { ConnectorLogger, InboundSink } from '../channel';
import { parseInboundMail } from './email-parse';
import type { EmailGuard } from './email-guard';

export interface DeliveryResult {
  kind: 'message' | 'bounce';
  messageId?: string;
  conversationId?: string;
  duplicate?: boolean;
}

export interface MailDelivery {
  deliver(raw: Buffer, input: { inboxId: string; envelopeTo?: string[] }): Promise<DeliveryResult>;
}

export function createMailDelivery(deps: {
  sink: InboundSink;
  guard: EmailGuard;
  ourDomains: () => Promise<string[]>;
  clock: { now(): Date };
  logger: ConnectorLogger;
}): MailDelivery {
  return {
    async deliver(raw, input) {
      const parsed = await parseInboundMail(raw, {
        inboxId: input.inboxId,
        ourDomains: await deps.ourDomains(),
        receivedAt: deps.clock.now(),
        ...(input.envelopeTo ? { envelopeTo: input.envelopeTo } : {}),
      });
      if (parsed.kind === 'bounce') {
        if (parsed.undeliverable)
          await deps.guard.markUndeliverable(
            parsed.undeliverable,
            parsed.status.error?.message ?? 'hard bounce',
          );
        await deps.sink.updateStatus(parsed.status);
        deps.logger.info(
          { original: parsed.status.externalId, undeliverable: parsed.undeliverable ?? null },
          'delivery status report applied',
        );
        return { kind: 'bounce' };
      }
      const result = await deps.sink.ingest(parsed.event);
      return { kind: 'message', ...result };
    },
  };
}
