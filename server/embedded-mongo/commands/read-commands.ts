/** find, getMore, killCursors, count and distinct. */
import type { Document } from 'bson';
import { EngineError, ErrorCodes } from '../errors';
import { cursorIdFromValue, cursorIdToLong } from '../cursors/cursor-registry';
import { collationTransform, encodeKeyValue } from '../indexes/key-encoding';
import { EMPTY_ARRAY, valuesAtPath } from '../indexes/path-values';
import { findDocuments } from '../query/read-path';
import { compareBson, projectDocument } from '../semantics/index';
import {
  badValue,
  isTruthy,
  optionalArray,
  optionalCount,
  optionalDocument,
  optionalSpec,
  requireString,
  typeMismatch,
} from './args';
import type { CommandContext, CommandHandler } from './command-types';

function checkHint(body: Document, ctx: CommandContext, name: string): void {
  const hint: unknown = body.hint;
  if (hint === undefined || hint === null) return;
  const coll = ctx.core.catalog.get(ctx.db, name);
  if (!coll) return;
  const exists =
    typeof hint === 'string'
      ? coll.indexes.has(hint)
      : typeof hint === 'object' &&
        [...coll.indexes.values()].some(
          (i) => JSON.stringify(Object.keys(i.spec.key as Document)) === JSON.stringify(Object.keys(hint)),
        );
  if (!exists && !(typeof hint === 'object' && Object.keys(hint).length === 0)) {
    throw badValue('hint provided does not correspond to an existing index');
  }
}

/** Builds the cursor reply shape shared by find, aggregate, listIndexes and listCollections. */
export function cursorReply(
  ns: string,
  batchField: 'firstBatch' | 'nextBatch',
  docs: Document[],
  id: bigint,
): Document {
  return { cursor: { [batchField]: docs, id: cursorIdToLong(id), ns }, ok: 1 };
}

const find: CommandHandler = (body, ctx) => {
  const name = requireString(body, 'find');
  if (isTruthy(body.tailable)) throw badValue('tailable cursors are not supported by the embedded engine');
  checkHint(body, ctx, name);
  const ns = `${ctx.db}.${name}`;
  const rawLimit = optionalCount(body, 'limit') ?? 0;
  const limit = Math.abs(rawLimit);
  const skip = optionalCount(body, 'skip') ?? 0;
  if (skip < 0) throw badValue('skip value must be non-negative');
  const batchSize = optionalCount(body, 'batchSize');
  if (batchSize !== undefined && batchSize < 0) throw badValue('batchSize value must be non-negative');
  const projection = optionalSpec(body, 'projection');
  const filter = optionalDocument(body, 'filter');
  const coll = ctx.core.catalog.get(ctx.db, name);
  const docs = coll
    ? findDocuments(coll, {
        filter,
        sort: optionalSpec(body, 'sort'),
        skip,
        limit,
        collation: optionalDocument(body, 'collation'),
        let: optionalDocument(body, 'let'),
      }).docs
    : [];
  const hasProjection = projection !== undefined && Object.keys(projection).length > 0;
  const batch = ctx.core.cursors.open(ns, docs, {
    batchSize: batchSize ?? (limit > 0 ? Math.min(limit, 101) : undefined),
    singleBatch: isTruthy(body.singleBatch) || rawLimit < 0,
    transform: hasProjection ? (doc) => projectDocument(doc, projection, { filter }) : undefined,
  });
  return cursorReply(ns, 'firstBatch', batch.docs, batch.cursorId);
};

const getMore: CommandHandler = (body, ctx) => {
  const id = cursorIdFromValue(body.getMore);
  if (id === undefined) throw typeMismatch("Field 'getMore' must be of type long");
  const name = requireString(body, 'collection');
  const ns = `${ctx.db}.${name}`;
  const batch = ctx.core.cursors.getMore(id, ns, optionalCount(body, 'batchSize'));
  return cursorReply(ns, 'nextBatch', batch.docs, batch.cursorId);
};

const killCursors: CommandHandler = (body, ctx) => {
  requireString(body, 'killCursors');
  const killed: unknown[] = [];
  const notFound: unknown[] = [];
  for (const raw of optionalArray(body, 'cursors') ?? []) {
    const id = cursorIdFromValue(raw);
    if (id !== undefined && ctx.core.cursors.kill(id)) killed.push(raw);
    else notFound.push(raw);
  }
  return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
};

const count: CommandHandler = (body, ctx) => {
  const name = requireString(body, 'count');
  const coll = ctx.core.catalog.get(ctx.db, name);
  if (!coll) return { n: 0, ok: 1 };
  const query = optionalDocument(body, 'query') ?? {};
  const skip = optionalCount(body, 'skip') ?? 0;
  const limit = Math.abs(optionalCount(body, 'limit') ?? 0);
  if (Object.keys(query).length === 0) {
    // estimatedDocumentCount: O(1).
    const total = Math.max(0, coll.docs.size - skip);
    return { n: limit > 0 ? Math.min(limit, total) : total, ok: 1 };
  }
  const { docs } = findDocuments(coll, {
    filter: query,
    skip,
    limit,
    collation: optionalDocument(body, 'collation'),
  });
  return { n: docs.length, ok: 1 };
};

const distinct: CommandHandler = (body, ctx) => {
  const name = requireString(body, 'distinct');
  const key = requireString(body, 'key');
  if (key.length === 0)
    throw new EngineError(
      ErrorCodes.FailedToParse,
      'FailedToParse',
      'FieldPath cannot be constructed with empty string',
    );
  const coll = ctx.core.catalog.get(ctx.db, name);
  if (!coll) return { values: [], ok: 1 };
  const collation = optionalDocument(body, 'collation');
  const { docs } = findDocuments(coll, { filter: optionalDocument(body, 'query') ?? {}, collation });
  const collate = collationTransform(collation);
  const seen = new Map<string, unknown>();
  for (const doc of docs) {
    for (const v of valuesAtPath(doc, key).values) {
      if (v === undefined || v === EMPTY_ARRAY) continue;
      const k = encodeKeyValue(v, collate);
      if (!seen.has(k)) seen.set(k, v);
    }
  }
  return { values: [...seen.values()].sort(compareBson), ok: 1 };
};

/** Handlers of this file by command name. */
export const readCommands: Record<string, CommandHandler> = { find, getMore, killCursors, count, distinct };
