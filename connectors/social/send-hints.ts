import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ChannelKind } from '../channel';

/**
 * How a reply must be sent to stay inside the channel's rules, decided by the reply-window check when the
 * agent sends it, read by the connector when the outbound job sends it: a Messenger/Instagram reply past
 * 24 h goes with the `HUMAN_AGENT` tag, a WhatsApp reply outside the window as an approved template with
 * its variables. The outbound contract carries text only, so the hint is kept in Redis under the channel,
 * inbox and a hash of the exact text (the rendered template): two replies with the same text on one inbox
 * need the same treatment, so sharing a hint is harmless. Hints expire after a day.
 */
export interface SendHint {
  tag?: 'HUMAN_AGENT';
  /** `providerId`: the provider's template id (Twilio Content SID) when it addresses templates by id. */
  template?: { name: string; language: string; variables: string[]; providerId?: string };
}

export interface SendHints {
  put(input: { channel: ChannelKind; inboxId: string; text: string; hint: SendHint }): Promise<void>;
  find(input: { channel: ChannelKind; inboxId: string; text: string }): Promise<SendHint | null>;
}

const TTL_SECONDS = 24 * 3600;

export function createSendHints(redis: Redis, keyPrefix: string): SendHints {
  const key = (channel: string, inboxId: string, text: string) =>
    `${keyPrefix}:send-hint:${channel}:${inboxId}:${createHash('sha256').update(text.trim()).digest('hex')}`;
  return {
    async put({ channel, inboxId, text, hint }) {
      await redis.set(key(channel, inboxId, text), JSON.stringify(hint), 'EX', TTL_SECONDS);
    },
    async find({ channel, inboxId, text }) {
      const stored = await redis.get(key(channel, inboxId, text));
      if (!stored) return null;
      try {
        return JSON.parse(stored) as SendHint;
      } catch {
        return null;
      }
    },
  };
}
