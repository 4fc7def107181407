/**
 * The tiers module: order summaries per contact (imported through the imports module's machinery as the
 * `orders` kind), RFM scores and segments and an ABC tier computed on a schedule and after each import,
 * written onto the contact's `tier` (what routing and SLA policies read) and shown on the contact.
 */
import type { RequestHandler } from 'express';
import type { Connection } from 'mongoose';
import type { QueueFactory } from '../../infra/queues';
import type { HttpModule } from '../../http/app';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import type { ContactsService } from '../contacts';
import type { ImportKind } from '../imports';
import { createOrdersImportKind } from './orders-import';
import { defineTierModels } from './tier.models';
import { createTiersRouter } from './tiers.routes';
import { createTiersService } from './tiers.service';

export { computeRfm, rfmSegment, RFM_SEGMENTS, ABC_A_PERCENT, ABC_B_PERCENT } from './rfm';
export type { OrderTotals, RfmResult, RfmSegment, AbcTier } from './rfm';
export type { ContactRfmView, TiersService } from './tiers.service';

export interface TiersModuleDeps {
  connection: Connection;
  queues: QueueFactory;
  clock: Clock;
  logger: Logger;
  contacts: Pick<ContactsService, 'findContact' | 'previewResolveContact' | 'applyComputedTiers'>;
  currency: string;
  schedule: { cron: string; tz: string };
  requireAuth: RequestHandler;
  requireAdmin: RequestHandler;
}

export function createTiersModule(deps: TiersModuleDeps) {
  const models = defineTierModels(deps.connection);
  const tiers = createTiersService({
    models,
    queues: deps.queues,
    clock: deps.clock,
    logger: deps.logger,
    currency: deps.currency,
    applyComputedTiers: deps.contacts.applyComputedTiers,
    schedule: deps.schedule,
  });
  const ordersImport: ImportKind = createOrdersImportKind({
    models,
    contacts: deps.contacts,
    currency: deps.currency,
    clock: deps.clock,
    afterImport: (importId) => tiers.requestRecompute(`import:${importId}`),
  });
  const httpModules: HttpModule[] = [
    {
      path: '/api/tiers',
      router: createTiersRouter({ tiers, requireAuth: deps.requireAuth, requireAdmin: deps.requireAdmin }),
    },
  ];
  return {
    tiers,
    /** Register with the imports module (`/api/imports/orders`). */
    ordersImport,
    /** Register with the contacts module: orders follow merges and appear in exports. */
    contactDataOwner: tiers.contactDataOwner,
    /** The contact 360 view's `tiers` section: the contact's RFM scores, or null. */
    contactViewSection: { name: 'tiers', load: (contactId: string) => tiers.findContactRfm(contactId) },
    httpModules,
    startWorkers: () => tiers.startWorkers(),
    ensureIndexes: () => Promise.all([models.Order.init(), models.ContactRfm.init()]),
  };
}

export type TiersModule = ReturnType<typeof createTiersModule>;
