/**
 * Where a care message goes (pure): the contact's preferred channel when one of their conversations used
 * it, else the channel they last used. A running conversation on that channel takes the message; when the
 * latest one is closed, a new conversation is opened on the same inbox (care never writes into a closed
 * ticket).
 */
export interface RecentConversation {
  id: string;
  status: string;
  /** The channel and inbox the customer last wrote on (a caller's channel is `voice`). */
  channel: string;
  inboxId: string;
  /** The channel and inbox that opened it. */
  primaryChannel: string;
  primaryInboxId: string;
  lastMessageAt: Date | null;
}

export type CareTarget =
  | { kind: 'existing'; conversationId: string; channel: string; inboxId: string }
  | { kind: 'open'; channel: string; inboxId: string; previousConversationId: string };

/** A call carries no text: a caller is written to by SMS (the automated sender does the same). */
export const textChannelOf = (channel: string) => (channel === 'voice' ? 'sms' : channel);

export function chooseCareTarget(
  recent: readonly RecentConversation[],
  preferredChannel: string | null,
): CareTarget | null {
  const sorted = [...recent].sort(
    (a, b) => (b.lastMessageAt?.getTime() ?? 0) - (a.lastMessageAt?.getTime() ?? 0),
  );
  const matches = (channel: string) =>
    channel === preferredChannel || textChannelOf(channel) === preferredChannel;
  let chosen: { conversation: RecentConversation; channel: string; inboxId: string } | null = null;
  for (const conversation of preferredChannel ? sorted : []) {
    if (matches(conversation.channel))
      chosen = { conversation, channel: conversation.channel, inboxId: conversation.inboxId };
    else if (matches(conversation.primaryChannel))
      chosen = { conversation, channel: conversation.primaryChannel, inboxId: conversation.primaryInboxId };
    if (chosen) break;
  }
  const latest = sorted[0];
  chosen ??= latest ? { conversation: latest, channel: latest.channel, inboxId: latest.inboxId } : null;
  if (!chosen) return null;
  const { conversation, channel, inboxId } = chosen;
  if (conversation.status !== 'closed')
    return { kind: 'existing', conversationId: conversation.id, channel, inboxId };
  return { kind: 'open', channel, inboxId, previousConversationId: conversation.id };
}
