import { trusted, Types, type Connection } from 'mongoose';
import type { LinkedIdentity } from '../../../connectors/channel';
import { isDuplicateKeyError } from '../../infra/mongo-errors';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import { contactModel, type ContactRecord } from './contact.model';
import {
  identityFilter,
  type ContactsCore,
  type ResolveContactInput,
  type ResolvedSender,
} from './contacts.service';

const MAX_ATTEMPTS = 3;

/**
 * What channels tell about a customer beyond their sender id, applied to contacts:
 *
 * - **Linked identities** (a WeChat UnionID): ids that span a provider's accounts. A sender whose own
 *   identity is new but whose linked identity a contact already holds is that contact (the sender's identity
 *   is attached, as a new channel identity found by email or phone is); the linked identities are then
 *   recorded on the resolved contact. When another contact already holds one, the two stay apart (an agent
 *   merges them; nothing is merged behind anyone's back) and it is logged.
 * - **Channel attributes** (a WeChat QR scene): merged into the contact's custom `attributes`. Rule: a
 *   channel sets a key that is absent, or that still holds the value a channel last wrote there
 *   (`channelAttributes` keeps that value); a key an agent set or changed keeps the agent's value (the
 *   channel's newest value is still kept in `channelAttributes`). Deleting the key hands it back to the
 *   channel. Each key is a compare-and-set on the value read, retried when it changed in between.
 */
export function createChannelFacts(deps: {
  connection: Connection;
  core: Pick<ContactsCore, 'resolveSender' | 'followMerges'>;
  clock: Clock;
  logger: Logger;
}) {
  const Contact = contactModel(deps.connection);
  const { clock, logger } = deps;

  const holderOf = (scheme: string, externalId: string) =>
    Contact.findOne(identityFilter(scheme, externalId)).lean<ContactRecord>();

  /** Adds an identity to a live contact unless it has it; false when someone else holds it. */
  async function attach(
    contactId: Types.ObjectId,
    identity: { channel: string; externalId: string; handle?: string },
  ) {
    try {
      await Contact.updateOne(
        {
          _id: contactId,
          mergedInto: null,
          erasedAt: null,
          identities: trusted({
            $not: { $elemMatch: { channel: identity.channel, externalId: identity.externalId } },
          }),
        },
        { $push: { identities: identity }, $set: { updatedAt: clock.now() } },
      );
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  /** The sender's identity joins the live contact that holds one of its linked identities, if any. */
  async function joinLinkedHolder(input: ResolveContactInput, linked: LinkedIdentity[]): Promise<void> {
    if (await holderOf(input.channel, input.sender.externalId)) return;
    for (const link of linked) {
      const holder = await holderOf(link.scheme, link.externalId);
      if (!holder) continue;
      const person = await deps.core.followMerges(holder);
      if (person.erasedAt || person.mergedInto) return;
      await attach(person._id, {
        channel: input.channel,
        externalId: input.sender.externalId,
        ...(input.sender.handle ? { handle: input.sender.handle } : {}),
      });
      return;
    }
  }

  async function recordLinked(contactId: string, linked: LinkedIdentity[]): Promise<void> {
    for (const link of linked) {
      const holder = await holderOf(link.scheme, link.externalId);
      if (holder && holder._id.toHexString() === contactId) continue;
      if (
        holder ||
        !(await attach(new Types.ObjectId(contactId), { channel: link.scheme, externalId: link.externalId }))
      )
        logger.info(
          { scheme: link.scheme, contactId, otherContactId: holder?._id.toHexString() },
          'linked identity held by another contact: the same person on two contacts (merge to join them)',
        );
    }
  }

  /**
   * Contact resolution with the sender's linked identities (see above); without them, the usual one.
   * The profile is the resolved record's (recording linked identities changes neither name nor tier).
   */
  async function resolveSender(input: ResolveContactInput): Promise<ResolvedSender> {
    const linked = (input.sender.linkedIdentities ?? []).filter((link) => link.scheme !== input.channel);
    if (!linked.length) return deps.core.resolveSender(input);
    await joinLinkedHolder(input, linked);
    const resolved = await deps.core.resolveSender(input);
    await recordLinked(resolved.contactId, linked);
    return resolved;
  }

  /** {@link resolveSender} without the profile. */
  async function resolveContact(
    input: ResolveContactInput,
  ): Promise<{ contactId: string; created: boolean }> {
    const { contactId, created } = await resolveSender(input);
    return { contactId, created };
  }

  async function applyOne(contactId: Types.ObjectId, key: string, value: string): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const doc = await Contact.findById(contactId)
        .select({ attributes: 1, channelAttributes: 1, mergedInto: 1, erasedAt: 1 })
        .lean<Pick<ContactRecord, 'attributes' | 'channelAttributes' | 'mergedInto' | 'erasedAt'>>();
      if (!doc || doc.mergedInto || doc.erasedAt) return;
      const current = (doc.attributes as Record<string, unknown> | null | undefined)?.[key];
      const lastWritten = (doc.channelAttributes as Record<string, unknown> | null | undefined)?.[key];
      const agentOwned = current !== undefined && current !== lastWritten;
      const set: Record<string, unknown> = { [`channelAttributes.${key}`]: value, updatedAt: clock.now() };
      if (!agentOwned) set[`attributes.${key}`] = value;
      const result = await Contact.updateOne(
        {
          _id: contactId,
          [`attributes.${key}`]: current === undefined ? trusted({ $exists: false }) : current,
        },
        { $set: set },
      );
      if (result.matchedCount === 1) return;
    }
    logger.warn({ contactId: contactId.toHexString(), key }, 'channel attribute not applied: kept changing');
  }

  /** Merges a channel's facts into the contact's attributes (rule above). Keys are checked by ingest. */
  async function applyChannelAttributes(
    contactId: string,
    attributes: Record<string, string>,
  ): Promise<void> {
    if (!Types.ObjectId.isValid(contactId)) return;
    for (const [key, value] of Object.entries(attributes))
      await applyOne(new Types.ObjectId(contactId), key, value);
  }

  return { resolveSender, resolveContact, applyChannelAttributes };
}
