import type { Channel, ChannelKind } from '../../../connectors/channel';
import type { Logger } from '../../lib/logger';
import type { InboxConfig } from './inbox-views';
import type { InboxService } from './inbox.service';

/** Builds the connector of a configured inbox (the composition root registers one per channel kind). */
export type ChannelFactory = (inbox: InboxConfig) => Channel;

export interface ChannelRegistry {
  /**
   * Registers a ready channel instance under its `inboxId` (code-configured channels: the web chat widget,
   * the customer simulator, tests). The first one registered for a kind is that kind's default unless a
   * later one says `isDefault`. It wins over an inbox document with the same id.
   */
  register(channel: Channel, options?: { isDefault?: boolean }): void;
  /** How inboxes of a channel kind become Channel instances. */
  registerFactory(kind: ChannelKind, factory: ChannelFactory): void;
  /**
   * The channel that sends for an inbox, or for the kind's default inbox when `inboxId` is absent; null
   * when nothing is configured (the caller fails the send permanently).
   */
  resolve(input: { inboxId?: string | null; channel: ChannelKind }): Promise<Channel | null>;
}

/**
 * The channel registry: configured inboxes → Channel instances. Inbox-backed channels are built lazily and
 * rebuilt when the inbox changes (its `revision` moves), so every hub process picks up an admin's edit on
 * its next send without a restart.
 */
export function createChannelRegistry(deps: { inboxes: InboxService; logger: Logger }): ChannelRegistry {
  const registered = new Map<string, Channel>();
  const defaults = new Map<ChannelKind, string>();
  const factories = new Map<ChannelKind, ChannelFactory>();
  const built = new Map<string, { version: number; channel: Channel }>();

  const buildFor = (inbox: InboxConfig): Channel | null => {
    if (!inbox.enabled) return null;
    const cached = built.get(inbox.id);
    if (cached && cached.version === inbox.revision) return cached.channel;
    const factory = factories.get(inbox.channel);
    if (!factory) {
      deps.logger.warn({ inboxId: inbox.id, channel: inbox.channel }, 'no connector registered for inbox');
      return null;
    }
    const channel = factory(inbox);
    if (cached?.channel.stop) {
      cached.channel
        .stop()
        .catch((error: unknown) =>
          deps.logger.warn({ err: error, inboxId: inbox.id }, 'stopping a replaced channel failed'),
        );
    }
    built.set(inbox.id, { version: inbox.revision, channel });
    return channel;
  };

  const supports = (channel: Channel, kind: ChannelKind) => channel.kinds.includes(kind);

  return {
    register(channel, options = {}) {
      registered.set(channel.inboxId, channel);
      for (const kind of channel.kinds) {
        if (options.isDefault || !defaults.has(kind)) defaults.set(kind, channel.inboxId);
      }
    },

    registerFactory(kind, factory) {
      factories.set(kind, factory);
    },

    async resolve({ inboxId, channel: kind }) {
      if (inboxId) {
        const direct = registered.get(inboxId);
        if (direct) return supports(direct, kind) ? direct : null;
        const inbox = await deps.inboxes.findConfig(inboxId);
        if (!inbox) return null;
        const channel = buildFor(inbox);
        return channel && supports(channel, kind) ? channel : null;
      }
      // An inbox an admin marked as the kind's default wins over one defined by configuration (every kind
      // has a config-defined inbox on the embedded default, whose demo values must not shadow the admin's).
      const inbox = await deps.inboxes.findDefaultConfig(kind);
      const configured = inbox ? buildFor(inbox) : null;
      if (configured && supports(configured, kind)) return configured;
      const defaultId = defaults.get(kind);
      return (defaultId ? registered.get(defaultId) : undefined) ?? null;
    },
  };
}
