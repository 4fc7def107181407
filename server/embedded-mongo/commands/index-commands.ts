/** createIndexes, listIndexes, dropIndexes. */
import type { Document } from 'bson';
import { EngineError, ErrorCodes } from '../errors';
import { normalizeIndexSpec, resolveIndexRequest } from '../indexes/index-specs';
import { isPlainDocument } from '../indexes/bson-kinds';
import { optionalArray, requireString, toNumber, unwrapSpec } from './args';
import type { CommandHandler } from './command-types';
import { cursorReply } from './read-commands';

const createIndexes: CommandHandler = (body, ctx) => {
  const name = requireString(body, 'createIndexes');
  const requested = optionalArray(body, 'indexes');
  if (!requested || requested.length === 0)
    throw new EngineError(ErrorCodes.BadValue, 'BadValue', 'Must specify at least one index to create');
  const specs = requested.map(normalizeIndexSpec);
  const { coll, created } = ctx.core.catalog.ensure(ctx.db, name);
  const before = coll.indexes.size;
  const toCreate: Document[] = [];
  for (const spec of specs) {
    const existing = [...coll.indexes.values()].map((i) => i.spec).concat(toCreate);
    if (resolveIndexRequest(spec, existing) === 'create') toCreate.push(spec);
  }
  // All or nothing: a duplicate found while building one index drops the ones built before it.
  const built: string[] = [];
  try {
    for (const spec of toCreate) {
      coll.addIndex(spec);
      built.push(String(spec.name));
    }
  } catch (err) {
    for (const n of built) coll.dropIndex(n);
    throw err;
  }
  if (toCreate.length > 0)
    ctx.core.catalog.log.catalog({ op: 'createIndexes', ns: coll.ns, specs: toCreate });
  const reply: Document = {
    numIndexesBefore: before,
    numIndexesAfter: coll.indexes.size,
    createdCollectionAutomatically: created,
  };
  if (toCreate.length === 0) reply.note = 'all indexes already exist';
  reply.ok = 1;
  return reply;
};

const listIndexes: CommandHandler = (body, ctx) => {
  const name = requireString(body, 'listIndexes');
  const coll = ctx.core.catalog.getOrThrow(ctx.db, name);
  const ns = coll.ns;
  const specs = [...coll.indexes.values()].map((i) => i.spec);
  const batchSize: unknown = (body.cursor as Document | undefined)?.batchSize;
  const batch = ctx.core.cursors.open(ns, specs, {
    batchSize: toNumber(batchSize),
  });
  return cursorReply(ns, 'firstBatch', batch.docs, batch.cursorId);
};

function sameKeyPattern(a: unknown, b: unknown): boolean {
  return JSON.stringify(unwrapSpec(a)) === JSON.stringify(unwrapSpec(b));
}

const dropIndexes: CommandHandler = (body, ctx) => {
  const name = requireString(body, 'dropIndexes');
  const coll = ctx.core.catalog.getOrThrow(ctx.db, name);
  const nIndexesWas = coll.indexes.size;
  const target: unknown = body.index;
  let names: string[];
  if (target === '*') {
    names = [...coll.indexes.keys()].filter((n) => n !== '_id_');
  } else if (typeof target === 'string') {
    names = [target];
  } else if (Array.isArray(target)) {
    names = target.map(String);
  } else if (isPlainDocument(target)) {
    const match = [...coll.indexes.values()].find((i) => sameKeyPattern(i.spec.key, target));
    if (!match)
      throw new EngineError(
        ErrorCodes.IndexNotFound,
        'IndexNotFound',
        `can't find index with key: ${JSON.stringify(unwrapSpec(target))}`,
      );
    names = [match.name];
  } else {
    throw new EngineError(
      ErrorCodes.TypeMismatch,
      'TypeMismatch',
      "Field 'index' must be a string, an array or an object",
    );
  }
  for (const n of names) {
    if (n === '_id_')
      throw new EngineError(ErrorCodes.InvalidOptions, 'InvalidOptions', 'cannot drop _id index');
    if (!coll.indexes.has(n))
      throw new EngineError(ErrorCodes.IndexNotFound, 'IndexNotFound', `index not found with name [${n}]`);
  }
  for (const n of names) coll.dropIndex(n);
  if (names.length > 0) ctx.core.catalog.log.catalog({ op: 'dropIndexes', ns: coll.ns, names });
  return { nIndexesWas, ok: 1 };
};

/** Handlers of this file by command name. */
export const indexCommands: Record<string, CommandHandler> = { createIndexes, listIndexes, dropIndexes };
