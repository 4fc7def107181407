import {
  decideReply,
  evaluateReplyWindow,
  type ApprovedTemplate,
  type ReplyWindowState,
} from '../../../connectors/reply-window';
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
  inboxId?: string | null;
}

export interface ReplyWindowGuard {
  /** The window of a conversation's channel, for the agent app (time left, closed, templates). */
  stateFor(input: {
    conversationId: string;
    channel: ChannelKind;
    /** The inbox replies go out on (its templates are offered); else the last inbound entry's inbox. */
    inboxId?: string | null;
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
  /** The approved templates an inbox may send on a channel kind (its connector's configuration). */
  templatesFor?: (input: {
    channel: ChannelKind;
    inboxId: string | null;
  }) => Promise<readonly ApprovedTemplate[]>;
}): ReplyWindowGuard {
  async function windowOf(input: {
    conversationId: string;
    channel: ChannelKind;
    inboxId?: string | null;
    lastInboundAt?: Date | null;
  }): Promise<{ state: ReplyWindowState; templates: readonly ApprovedTemplate[] }> {
    const recent = await deps.listRecent(input.conversationId, RECENT_LIMIT);
    let replies = 0;
    let lastInboundAt: Date | null = null;
    let inboxId = input.inboxId ?? null;
    for (const entry of recent) {
      if (entry.channel !== input.channel) continue;
      if (entry.direction === 'inbound') {
        lastInboundAt = new Date(entry.occurredAt);
        inboxId ??= entry.inboxId ?? null;
        break;
      }
      if (entry.direction === 'outbound' && entry.kind === 'message' && entry.status !== 'failed') replies++;
    }
    if (!lastInboundAt && recent.length >= RECENT_LIMIT) {
      lastInboundAt = input.lastInboundAt ?? null;
      replies = Math.max(replies, RECENT_LIMIT);
    }
    const templates =
      input.channel === 'whatsapp'
        ? ((await deps.templatesFor?.({ channel: input.channel, inboxId })) ?? [])
        : [];
    const state = evaluateReplyWindow({
      channel: input.channel,
      lastInboundAt,
      repliesSinceInbound: replies,
      now: deps.now(),
      templates,
    });
    return { state, templates };
  }

  return {
    stateFor: async (input) => (await windowOf(input)).state,
    async prepareReply(input) {
      const { state, templates } = await windowOf(input);
      const decision = decideReply(
        state,
        {
          ...(input.text !== undefined ? { text: input.text } : {}),
          ...(input.template ? { template: input.template } : {}),
        },
        templates,
      );
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
