/**
 * The imports module: one machinery for every data import (CSV, JSON or JSON Lines parsed with csv-parse
 * or JSON.parse, each row validated with zod, applied in batches by a bull job that records progress and a
 * per-row error report, with dry runs), the contacts import kind, and the admin exports (JSON Lines,
 * streamed). Other modules add kinds (the tiers module's orders) with `registerKind`.
 */
import type { RequestHandler } from 'express';
import type { Connection } from 'mongoose';
import type { QueueFactory } from '../../infra/queues';
import type { HttpModule } from '../../http/app';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import type { AuditService } from '../agents';
import type { ContactsService } from '../contacts';
import { createContactsImportKind } from './contacts-import';
import { createExportsRouter } from './exports.routes';
import type { ImportKind } from './import-kind';
import { defineImportModels } from './import.models';
import { createImportsRouter } from './imports.routes';
import { createImportsService } from './imports.service';
import type { ConversationExportModels } from './jsonl-export';

export type { ImportKind, ImportRun, RowOutcome, ValidRow, ContactKeyFields } from './import-kind';
export { importSenderOf } from './import-kind';
export { contactKeyFields } from './contacts-import';
export type { ImportView, ImportRowErrorView } from './imports.service';

export interface ImportsModuleDeps {
  connection: Connection;
  queues: QueueFactory;
  clock: Clock;
  logger: Logger;
  audit: AuditService;
  contacts: Pick<
    ContactsService,
    'resolveContact' | 'previewResolveContact' | 'findContact' | 'updateContact' | 'searchContacts'
  >;
  /** Read by the conversations export (the conversations module's models, read-only). */
  conversationModels: ConversationExportModels;
  requireAuth: RequestHandler;
  requireAdmin: RequestHandler;
  /** The general API limiter: the imports router parses its own bodies, ahead of the shared one. */
  apiLimiter: RequestHandler;
  maxBytes: number;
  maxRows: number;
}

export function createImportsModule(deps: ImportsModuleDeps) {
  const models = defineImportModels(deps.connection);
  const kinds = new Map<string, ImportKind>();
  const registerKind = <T>(kind: ImportKind<T>) => {
    if (kinds.has(kind.name)) throw new Error(`import kind ${kind.name} is already registered`);
    kinds.set(kind.name, kind);
  };
  registerKind(createContactsImportKind(deps.contacts));
  const imports = createImportsService({
    models,
    kinds,
    queues: deps.queues,
    clock: deps.clock,
    logger: deps.logger,
    maxRows: deps.maxRows,
  });
  const httpModules: HttpModule[] = [
    {
      path: '/api/imports',
      parsesOwnBody: true,
      router: createImportsRouter({
        imports,
        audit: deps.audit,
        requireAuth: deps.requireAuth,
        requireAdmin: deps.requireAdmin,
        rateLimit: deps.apiLimiter,
        maxBytes: deps.maxBytes,
      }),
    },
    {
      path: '/api/exports',
      router: createExportsRouter({
        contacts: deps.contacts,
        conversations: deps.conversationModels,
        audit: deps.audit,
        requireAuth: deps.requireAuth,
      }),
    },
  ];
  return {
    imports,
    registerKind,
    httpModules,
    startWorkers: () => imports.startWorkers(),
    /** Builds the collections' indexes now (tests and first start). */
    ensureIndexes: () =>
      Promise.all([models.ImportJob.init(), models.ImportRowError.init(), models.ImportFileChunk.init()]),
  };
}

export type ImportsModule = ReturnType<typeof createImportsModule>;
