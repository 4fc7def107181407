/** collStats, dbStats and explain (a plain plan: which index, how many documents examined). */
import { calculateObjectSize, type Document } from 'bson';
import type { Collection } from '../catalog/collection';
import { isPlainDocument } from '../indexes/bson-kinds';
import { findDocuments } from '../query/read-path';
import { SERVER_VERSION } from '../engine-core';
import { aggregateCommands } from './aggregate-command';
import { badValue, optionalCount, optionalDocument, optionalSpec, requireString } from './args';
import type { CommandContext, CommandHandler } from './command-types';

/** Rough per-entry index cost; entries are not sized individually. */
const INDEX_ENTRY_BYTES = 48;

function dataSize(coll: Collection): number {
  let bytes = 0;
  for (const doc of coll.docs.values()) bytes += calculateObjectSize(doc);
  return bytes;
}

function collStatsOf(coll: Collection, scale: number): Document {
  const size = dataSize(coll);
  const count = coll.docs.size;
  const indexSizes: Document = {};
  let totalIndexSize = 0;
  for (const index of coll.indexes.values()) {
    const bytes = index.name === '_id_' ? count * INDEX_ENTRY_BYTES : index.entries.size * INDEX_ENTRY_BYTES;
    indexSizes[index.name] = Math.floor(bytes / scale);
    totalIndexSize += bytes;
  }
  return {
    ns: coll.ns,
    count,
    size: Math.floor(size / scale),
    avgObjSize: count === 0 ? 0 : Math.floor(size / count),
    storageSize: Math.floor(size / scale),
    nindexes: coll.indexes.size,
    totalIndexSize: Math.floor(totalIndexSize / scale),
    totalSize: Math.floor((size + totalIndexSize) / scale),
    indexSizes,
    scaleFactor: scale,
    capped: false,
    ok: 1,
  };
}

const collStats: CommandHandler = (body, ctx) => {
  const name = requireString(body, 'collStats');
  const coll = ctx.core.catalog.getOrThrow(ctx.db, name);
  return collStatsOf(coll, Math.max(1, optionalCount(body, 'scale') ?? 1));
};

const dbStats: CommandHandler = (body, ctx) => {
  const scale = Math.max(1, optionalCount(body, 'scale') ?? 1);
  const colls = ctx.core.catalog.collections(ctx.db);
  const stats = colls.map((c) => collStatsOf(c, 1));
  const sum = (f: string): number => stats.reduce((n, s) => n + Number(s[f]), 0);
  const objects = sum('count');
  const size = sum('size');
  return {
    db: ctx.db,
    collections: colls.length,
    views: 0,
    objects,
    avgObjSize: objects === 0 ? 0 : size / objects,
    dataSize: Math.floor(size / scale),
    storageSize: Math.floor(size / scale),
    indexes: sum('nindexes'),
    indexSize: Math.floor(sum('totalIndexSize') / scale),
    totalSize: Math.floor((size + sum('totalIndexSize')) / scale),
    scaleFactor: scale,
    ok: 1,
  };
};

/** The query shape of an explained command: collection, filter, sort, limit. */
function explainedQuery(cmd: Document): { coll: string; filter: Document; sort?: Document; limit?: number } {
  const name = Object.keys(cmd)[0];
  switch (name) {
    case 'find':
      return {
        coll: requireString(cmd, 'find'),
        filter: optionalDocument(cmd, 'filter') ?? {},
        sort: optionalSpec(cmd, 'sort'),
        limit: optionalCount(cmd, 'limit'),
      };
    case 'count':
      return { coll: requireString(cmd, 'count'), filter: optionalDocument(cmd, 'query') ?? {} };
    case 'distinct':
      return { coll: requireString(cmd, 'distinct'), filter: optionalDocument(cmd, 'query') ?? {} };
    case 'findAndModify':
      return {
        coll: requireString(cmd, 'findAndModify'),
        filter: optionalDocument(cmd, 'query') ?? {},
        sort: optionalSpec(cmd, 'sort'),
        limit: 1,
      };
    case 'update':
    case 'delete': {
      const list = cmd[name === 'update' ? 'updates' : 'deletes'] as unknown;
      const first: unknown = Array.isArray(list) ? list[0] : undefined;
      return {
        coll: requireString(cmd, name),
        filter: isPlainDocument(first) && isPlainDocument(first.q) ? first.q : {},
      };
    }
    default:
      throw badValue(`explain is not supported for command '${String(name)}'`);
  }
}

const explain: CommandHandler = (body, ctx: CommandContext) => {
  const cmd = optionalDocument(body, 'explain');
  if (!cmd) throw badValue('explain requires a command object');
  if (Object.keys(cmd)[0] === 'aggregate')
    return aggregateCommands.aggregate!({ ...cmd, explain: true }, ctx);
  const q = explainedQuery(cmd);
  const coll = ctx.core.catalog.get(ctx.db, q.coll);
  const res = coll ? findDocuments(coll, { filter: q.filter, sort: q.sort, limit: q.limit }) : undefined;
  const stage = res?.plan.stage ?? 'EOF';
  const inputStage = res?.plan.indexName ? { stage: 'IXSCAN', indexName: res.plan.indexName } : undefined;
  const winningPlan: Document =
    stage === 'IXSCAN'
      ? { stage: 'FETCH', inputStage }
      : { stage, ...(q.sort && !res?.plan.sorted ? { sortInMemory: true } : {}) };
  return {
    explainVersion: '1',
    queryPlanner: { namespace: `${ctx.db}.${q.coll}`, parsedQuery: q.filter, winningPlan, rejectedPlans: [] },
    executionStats: {
      executionSuccess: true,
      nReturned: res?.docs.length ?? 0,
      totalDocsExamined: res?.examined ?? 0,
      totalKeysExamined: stage === 'IXSCAN' ? (res?.examined ?? 0) : 0,
    },
    serverInfo: { host: ctx.core.settings.host, port: ctx.core.settings.port, version: SERVER_VERSION },
    command: cmd,
    ok: 1,
  };
};

/** Handlers of this file by command name. */
export const diagnosticCommands: Record<string, CommandHandler> = { collStats, dbStats, explain };
