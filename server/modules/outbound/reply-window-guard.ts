import { decideReply, evaluateReplyWindow, type ReplyWindowState } from '../../../connectors/reply-window';
import type { ChannelKind } from '../../../connectors/channel';
import type { SendHints } from '../../../connectors/social/send-hints';
import { AppError } from '../../lib/app-error';

/** A timeline entry as the reply-window check reads it (newest first). */
export interface RecentEntry {
  direction: string;
  kind: string;
  channel: string;
  occurredAt: Date | string;
  status?: string | null;
}

export interface ReplyWindowGuard {
  /** The window of a conversation's channel, for the agent app (time left, closed, templates). */
  stateFor(input: {
    conversationId: string;
    channel: ChannelKind;
    lastInboundAt?: Date | null;
  }): Promise<ReplyWindowState>;
  /**
   * Checks a reply before it is stored: refuses (409 CONFLICT, `details.reason`) one the channel would drop,
   * records the send hint (HUMAN_AGENT tag, WhatsApp template) for the connector, and returns the text to
   * store (a template's rendered body).
   */
  prepareReply(input: {
    conversationId: string;
    channel: ChannelKind;
    inboxId: string;
    text?: string;
    template?: { name: string; language?: string; variables: string[] };
    lastInboundAt?: Date | null;
  }): Promise<string>;
}

/** How far back the check reads the timeline; past it, the conversation's lastInboundAt is used. */
const RECENT_LIMIT = 50;

/**
 * The reply-window check of the reply API (rules in connectors/reply-window.ts): the customer's last
 * inbound message on the channel and our replies since, from the newest timeline entries.
 */
export function createReplyWindowGuard(deps: {
  listRecent: (conversationId: string, limit: number) => Promise<RecentEntry[]>;
  hints: SendHints;
  now: () => Date;
}): ReplyWindowGuard {
  async function stateFor(input: {
    conversationId: string;
    channel: ChannelKind;
    lastInboundAt?: Date | null;
  }) {
    const recent = await deps.listRecent(input.conversationId, RECENT_LIMIT);
    let replies = 0;
    let lastInboundAt: Date | null = null;
    for (const entry of recent) {
      if (entry.channel !== input.channel) continue;
      if (entry.direction === 'inbound') {
        lastInboundAt = new Date(entry.occurredAt);
        break;
      }
      if (entry.direction === 'outbound' && entry.kind === 'message' && entry.status !== 'failed') replies++;
    }
    if (!lastInboundAt && recent.length >= RECENT_LIMIT) {
      lastInboundAt = input.lastInboundAt ?? null;
      replies = Math.max(replies, RECENT_LIMIT);
    }
    return evaluateReplyWindow({
      channel: input.channel,
      lastInboundAt,
      repliesSinceInbound: replies,
      now: deps.now(),
    });
  }

  return {
    stateFor,
    async prepareReply(input) {
      const state = await stateFor(input);
      const decision = decideReply(state, {
        ...(input.text !== undefined ? { text: input.text } : {}),
        ...(input.template ? { template: input.template } : {}),
      });
      if (!decision.allowed)
        throw new AppError('CONFLICT', {
          userMessage: decision.message,
          details: { reason: decision.reason, replyWindow: state },
        });
      if (decision.hint)
        await deps.hints.put({
          channel: input.channel,
          inboxId: input.inboxId,
          text: decision.text,
          hint: decision.hint,
        });
      return decision.text;
    },
  };
}
