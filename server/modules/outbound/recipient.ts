import type { ChannelKind, SenderIdentity } from '../../../connectors/channel';

/** The parts of a contact that say how to reach them (contacts' ContactView satisfies it). */
export interface ReachableContact {
  name?: string | null;
  emails: readonly string[];
  phones: readonly string[];
  identities: readonly { channel: string; externalId: string; handle?: string | null }[];
}

const PHONE_CHANNELS: readonly ChannelKind[] = ['sms', 'whatsapp', 'voice'];

/**
 * How to address a contact on a channel (pure): the channel identity they wrote from (the most recently
 * added one), else their email for email, else their phone for phone channels; null when the channel has
 * no way to reach them (the send then fails permanently with NO_RECIPIENT).
 */
export function resolveRecipient(contact: ReachableContact, channel: ChannelKind): SenderIdentity | null {
  const name = contact.name ? { name: contact.name } : {};
  const identity = [...contact.identities].reverse().find((candidate) => candidate.channel === channel);
  if (identity) {
    return {
      externalId: identity.externalId,
      ...(identity.handle ? { handle: identity.handle } : {}),
      ...name,
      ...(channel === 'email' ? { email: identity.externalId } : {}),
      ...(PHONE_CHANNELS.includes(channel) && identity.externalId.startsWith('+')
        ? { phone: identity.externalId }
        : {}),
    };
  }
  const email = contact.emails[0];
  if (channel === 'email' && email) return { externalId: email, email, ...name };
  const phone = contact.phones[0];
  if (PHONE_CHANNELS.includes(channel) && phone) return { externalId: phone, phone, ...name };
  return null;
}
