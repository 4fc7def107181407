/**
 * CSAT per inbox (`csat_settings`, one document per inbox id): whether a resolved conversation of that
 * inbox is asked for a 1–5 score. No document means on: every resolved conversation is asked (the seed's
 * ~85 % satisfaction target needs answers from every kind of request, not only complaints).
 */
import { Schema, type Connection, type Model } from 'mongoose';
import type { Clock } from '../../lib/clock';

interface CsatSettingDoc {
  _id: string;
  enabled: boolean;
  updatedBy: string | null;
  updatedAt: Date;
}

const csatSettingSchema = new Schema<CsatSettingDoc>(
  {
    _id: { type: String, required: true },
    enabled: { type: Boolean, required: true },
    updatedBy: { type: String, default: null },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'csat_settings', versionKey: false },
);

const CACHE_MS = 10_000;

export function createCsatSettings(deps: { connection: Connection; clock: Clock }) {
  const Settings =
    (deps.connection.models.CsatSetting as Model<CsatSettingDoc> | undefined) ??
    deps.connection.model<CsatSettingDoc>('CsatSetting', csatSettingSchema);
  const cache = new Map<string, { at: number; enabled: boolean }>();
  return {
    /** True unless the inbox turned CSAT off. */
    async isEnabled(inboxId: string | null | undefined): Promise<boolean> {
      if (!inboxId) return true;
      const now = deps.clock.now().getTime();
      const cached = cache.get(inboxId);
      if (cached && now - cached.at < CACHE_MS) return cached.enabled;
      const doc = await Settings.findById(inboxId).lean<CsatSettingDoc>();
      const enabled = doc?.enabled ?? true;
      cache.set(inboxId, { at: now, enabled });
      return enabled;
    },
    async set(inboxId: string, enabled: boolean, actorId: string) {
      await Settings.updateOne(
        { _id: inboxId },
        { $set: { enabled, updatedBy: actorId, updatedAt: deps.clock.now() } },
        { upsert: true },
      );
      cache.delete(inboxId);
      return { inboxId, enabled };
    },
    async list() {
      const docs = await Settings.find({}).limit(1000).lean<CsatSettingDoc[]>();
      return docs.map((doc) => ({
        inboxId: doc._id,
        enabled: doc.enabled,
        updatedBy: doc.updatedBy,
        updatedAt: doc.updatedAt.toISOString(),
      }));
    },
  };
}

export type CsatSettings = ReturnType<typeof createCsatSettings>;
