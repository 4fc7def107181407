import type { ChannelKind } from '../../../connectors/channel';
import type { InboxDoc } from './inbox.model';

/** What connectors receive: the inbox with its credentials in clear (never sent to a client). */
export interface InboxConfig {
  id: string;
  name: string;
  channel: ChannelKind;
  address: string | null;
  teamId: string | null;
  autoReply: { enabled: boolean; template: string | null };
  credentials: Readonly<Record<string, string>>;
  isDefault: boolean;
  enabled: boolean;
  /** Bumped by every edit (the registry rebuilds the connector when it changes). */
  revision: number;
}

export function toInboxConfig(doc: InboxDoc): InboxConfig {
  return {
    id: String(doc._id),
    name: doc.name,
    channel: doc.channel,
    address: doc.address ?? null,
    teamId: doc.teamId ?? null,
    autoReply: { enabled: doc.autoReply?.enabled ?? false, template: doc.autoReply?.template ?? null },
    credentials: Object.freeze({ ...(doc.credentials ?? {}) }),
    isDefault: doc.isDefault ?? false,
    enabled: doc.enabled ?? true,
    revision: doc.revision ?? 0,
  };
}

/**
 * A secret as the API shows it: never the value, only that one is set and, for long values, the last four
 * characters so an admin can tell two tokens apart. Short secrets (passwords, PINs) show nothing.
 */
export function maskSecret(value: string): string {
  return value.length >= 16 ? `••••${value.slice(-4)}` : '••••';
}

/** The inbox as the admin API returns it: credentials masked. */
export function toInboxView(doc: InboxDoc) {
  const config = toInboxConfig(doc);
  return {
    id: config.id,
    name: config.name,
    channel: config.channel,
    address: config.address,
    teamId: config.teamId,
    autoReply: config.autoReply,
    credentials: Object.fromEntries(
      Object.entries(config.credentials).map(([key, value]) => [key, { set: true, hint: maskSecret(value) }]),
    ),
    isDefault: config.isDefault,
    enabled: config.enabled,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}
export type InboxView = ReturnType<typeof toInboxView>;
