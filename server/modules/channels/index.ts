/**
 * Channels: admin-configured inboxes (`inboxes` collection, admin API at /api/inboxes) and the registry
 * that turns them into connector instances for sending.
 */
import type { RequestHandler } from 'express';
import type { Connection } from 'mongoose';
import type { HttpModule } from '../../http/app';
import type { Logger } from '../../lib/logger';
import type { SecretBox } from '../../lib/secret-box';
import { createChannelRegistry, type ChannelRegistry } from './channel-registry';
import { createInboxService, type InboxService } from './inbox.service';
import { createInboxesRouter } from './inboxes.routes';

export type { ChannelFactory, ChannelRegistry } from './channel-registry';
export { createConnectorHost, createInboxDirectory, type ConnectorHost } from './connector-host';
export type { InboxService } from './inbox.service';
export type { InboxConfig, InboxView } from './inbox-views';
export { maskSecret } from './inbox-views';

export interface ChannelsModule {
  inboxes: InboxService;
  registry: ChannelRegistry;
  /** Builds the admin router (needs identity's middlewares). */
  createHttpModule(auth: { requireAuth: RequestHandler; requireAdmin: RequestHandler }): HttpModule;
}

export function createChannelsModule(deps: {
  connection: Connection;
  logger: Logger;
  /** Seals inbox credentials at rest (the key comes from config or DATA_DIR). */
  secrets: SecretBox;
}): ChannelsModule {
  const inboxes = createInboxService({ connection: deps.connection, secrets: deps.secrets });
  const registry = createChannelRegistry({ inboxes, logger: deps.logger.child({ module: 'channels' }) });
  return {
    inboxes,
    registry,
    createHttpModule: (auth) => ({ path: '/api/inboxes', router: createInboxesRouter({ inboxes, ...auth }) }),
  };
}
