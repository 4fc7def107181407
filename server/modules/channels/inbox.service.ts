import { trusted, Types, type Connection } from 'mongoose';
import type { ChannelKind } from '../../../connectors/channel';
import { conflictIfDuplicate } from '../../infra/mongo-errors';
import { AppError } from '../../lib/app-error';
import { isSealed, type SecretBox } from '../../lib/secret-box';
import { getInboxModel, type InboxDoc } from './inbox.model';
import type { CreateInboxInput, InboxListQuery, UpdateInboxInput } from './inbox.schemas';
import { toInboxConfig, toInboxView, type InboxConfig, type InboxView } from './inbox-views';

export interface InboxService {
  list(query: InboxListQuery): Promise<{ items: InboxView[]; nextCursor: string | null }>;
  /** The admin view (credentials masked); 404 when absent. */
  get(id: string): Promise<InboxView>;
  create(input: CreateInboxInput): Promise<InboxView>;
  update(id: string, input: UpdateInboxInput): Promise<InboxView>;
  /** The connector's view (credentials in clear), or null. Disabled inboxes are returned too. */
  findConfig(id: string): Promise<InboxConfig | null>;
  /** The inbox customers reach at `address` on a channel kind (webhooks resolve their inbox with it). */
  findConfigByAddress(channel: ChannelKind, address: string): Promise<InboxConfig | null>;
  /** The enabled inbox flagged default for a kind, else the oldest enabled one. */
  findDefaultConfig(channel: ChannelKind): Promise<InboxConfig | null>;
  /** Every enabled inbox of a channel kind (pulled channels run one poller per inbox); at most 500. */
  listConfigs(channel: ChannelKind): Promise<InboxConfig[]>;
  /** Seals credentials stored in clear (before encryption existed); returns how many inboxes changed. */
  sealStoredCredentials(): Promise<number>;
}

const ADDRESS_TAKEN = 'Another inbox of this channel already uses this address.';

export function createInboxService(deps: { connection: Connection; secrets: SecretBox }): InboxService {
  const Inboxes = getInboxModel(deps.connection);
  const { secrets } = deps;
  /** Credentials are stored sealed, each bound to its name. Input is always sealed, whatever it looks like. */
  const sealInput = (credentials: Record<string, string>) =>
    Object.fromEntries(Object.entries(credentials).map(([key, value]) => [key, secrets.seal(value, key)]));
  /** Stored values: those from before encryption existed (in clear) are sealed, sealed ones kept. */
  const sealStored = (credentials: Record<string, string>) =>
    Object.fromEntries(
      Object.entries(credentials).map(([key, value]) => [
        key,
        isSealed(value) ? value : secrets.seal(value, key),
      ]),
    );
  const open = (doc: InboxDoc, key: string, value: string) => {
    if (!isSealed(value)) return value;
    try {
      return secrets.open(value, key);
    } catch (cause) {
      throw new AppError('INTERNAL', {
        message: `inbox ${String(doc._id)}: credential ${key} does not open with this CREDENTIALS_KEY`,
        cause,
      });
    }
  };
  const reveal = (doc: InboxDoc): InboxDoc => ({
    ...doc,
    credentials: Object.fromEntries(
      Object.entries(doc.credentials ?? {}).map(([key, value]) => [key, open(doc, key, value)]),
    ),
  });
  const isId = (id: string) => /^[0-9a-f]{24}$/i.test(id);

  /** Only one default per kind: unset it on the others (a single-document update each, idempotent). */
  const clearOtherDefaults = async (channel: ChannelKind, keepId: Types.ObjectId) => {
    await Inboxes.updateMany(
      { channel, isDefault: true, _id: trusted({ $ne: keepId }) },
      { $set: { isDefault: false } },
    );
  };

  const getDoc = async (id: string): Promise<InboxDoc> => {
    const doc = isId(id) ? await Inboxes.findById(id).lean<InboxDoc>() : null;
    if (!doc) throw new AppError('NOT_FOUND', { userMessage: 'No such inbox.' });
    return doc;
  };

  return {
    async list({ channel, cursor, limit }) {
      const filter: Record<string, unknown> = {};
      if (channel) filter.channel = channel;
      if (cursor) filter._id = trusted({ $gt: new Types.ObjectId(cursor) });
      const docs = await Inboxes.find(filter)
        .sort({ _id: 1 })
        .limit(limit + 1)
        .lean<InboxDoc[]>();
      const page = docs.slice(0, limit);
      return {
        items: page.map((doc) => toInboxView(reveal(doc))),
        nextCursor: docs.length > limit && page.length > 0 ? String(page.at(-1)!._id) : null,
      };
    },

    async get(id) {
      return toInboxView(reveal(await getDoc(id)));
    },

    async create(input) {
      let created: InboxDoc;
      try {
        const doc = await Inboxes.create({
          name: input.name,
          channel: input.channel,
          ...(input.address ? { address: input.address } : {}),
          teamId: input.teamId ?? null,
          autoReply: input.autoReply ?? { enabled: false },
          credentials: sealInput(input.credentials ?? {}),
          isDefault: input.isDefault ?? false,
          enabled: input.enabled ?? true,
        });
        created = doc.toObject<InboxDoc>();
      } catch (error) {
        throw conflictIfDuplicate(error, ADDRESS_TAKEN);
      }
      if (created.isDefault) await clearOtherDefaults(created.channel, created._id);
      return toInboxView(reveal(created));
    },

    async update(id, input) {
      const current = await getDoc(id);
      const set: Record<string, unknown> = {};
      const unset: Record<string, ''> = {};
      if (input.name !== undefined) set.name = input.name;
      if (input.address !== undefined) {
        if (input.address === null) unset.address = '';
        else set.address = input.address;
      }
      if (input.teamId !== undefined) set.teamId = input.teamId;
      if (input.isDefault !== undefined) set.isDefault = input.isDefault;
      if (input.enabled !== undefined) set.enabled = input.enabled;
      if (input.autoReply) {
        set['autoReply.enabled'] = input.autoReply.enabled;
        if (input.autoReply.template === null) unset['autoReply.template'] = '';
        else if (input.autoReply.template !== undefined) set['autoReply.template'] = input.autoReply.template;
      }
      // Credentials merge key by key (one secret can be rotated without resending the others). The
      // merged object is written whole: credential names are identifiers, never paths.
      if (input.credentials) {
        const merged: Record<string, string> = sealStored(current.credentials ?? {});
        for (const [key, value] of Object.entries(input.credentials)) {
          if (value === null) delete merged[key];
          else merged[key] = secrets.seal(value, key);
        }
        set.credentials = merged;
      }
      let updated: InboxDoc | null;
      try {
        updated = await Inboxes.findOneAndUpdate(
          { _id: current._id },
          {
            ...(Object.keys(set).length ? { $set: set } : {}),
            ...(Object.keys(unset).length ? { $unset: unset } : {}),
            $inc: { revision: 1 },
          },
          { returnDocument: 'after' },
        ).lean<InboxDoc>();
      } catch (error) {
        throw conflictIfDuplicate(error, ADDRESS_TAKEN);
      }
      if (!updated) throw new AppError('NOT_FOUND', { userMessage: 'No such inbox.' });
      if (input.isDefault) await clearOtherDefaults(updated.channel, updated._id);
      return toInboxView(reveal(updated));
    },

    async findConfig(id) {
      if (!isId(id)) return null;
      const doc = await Inboxes.findById(id).lean<InboxDoc>();
      return doc ? toInboxConfig(reveal(doc)) : null;
    },

    async findConfigByAddress(channel, address) {
      const doc = await Inboxes.findOne({ channel, address }).lean<InboxDoc>();
      return doc ? toInboxConfig(reveal(doc)) : null;
    },

    async sealStoredCredentials() {
      let sealed = 0;
      for await (const doc of Inboxes.find({}).select({ credentials: 1 }).lean<InboxDoc[]>().cursor()) {
        const values = Object.values(doc.credentials ?? {});
        if (values.every(isSealed)) continue;
        // Guarded on the values read: an edit in between wins, and seals on its own.
        const result = await Inboxes.updateOne(
          { _id: doc._id, credentials: doc.credentials },
          { $set: { credentials: sealStored(doc.credentials) } },
        );
        sealed += result.modifiedCount;
      }
      return sealed;
    },

    async listConfigs(channel) {
      const docs = await Inboxes.find({ channel, enabled: true })
        .sort({ _id: 1 })
        .limit(500)
        .lean<InboxDoc[]>();
      return docs.map((doc) => toInboxConfig(reveal(doc)));
    },

    async findDefaultConfig(channel) {
      const doc = await Inboxes.findOne({ channel, enabled: true })
        .sort({ isDefault: -1, _id: 1 })
        .lean<InboxDoc>();
      return doc ? toInboxConfig(reveal(doc)) : null;
    },
  };
}
