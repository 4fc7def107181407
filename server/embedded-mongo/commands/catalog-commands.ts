/** create, drop, dropDatabase, listCollections, listDatabases, renameCollection, collMod. */
import type { Document } from 'bson';
import { ID_INDEX_SPEC } from '../catalog/collection';
import { EngineError, ErrorCodes } from '../errors';
import { isPlainDocument } from '../indexes/bson-kinds';
import { splitNs } from '../persistence/journal-format';
import { compileFilter } from '../semantics/index';
import { badValue, isTruthy, optionalDocument, requireString, toNumber } from './args';
import type { CommandHandler } from './command-types';
import { cursorReply } from './read-commands';

const UNSUPPORTED_CREATE_OPTIONS = [
  'capped',
  'timeseries',
  'clusteredIndex',
  'viewOn',
  'pipeline',
  'changeStreamPreAndPostImages',
];
const KNOWN_CREATE_FIELDS = new Set([
  'create',
  'validator',
  'validationLevel',
  'validationAction',
  'collation',
  'storageEngine',
  'indexOptionDefaults',
  'comment',
  'writeConcern',
  'size',
  'max',
  'expireAfterSeconds',
]);

const create: CommandHandler = (body, ctx) => {
  const name = requireString(body, 'create');
  for (const option of UNSUPPORTED_CREATE_OPTIONS) {
    if (body[option] !== undefined && !(option === 'capped' && !isTruthy(body.capped))) {
      throw badValue(`${option} collections are not supported by the embedded engine`);
    }
  }
  const options: Document = {};
  for (const [k, v] of Object.entries(body) as Array<[string, unknown]>) {
    if (KNOWN_CREATE_FIELDS.has(k) && k !== 'create' && k !== 'comment' && k !== 'writeConcern')
      options[k] = v;
  }
  if (options.validator !== undefined) {
    if (!isPlainDocument(options.validator)) throw badValue("'validator' must be an object");
    try {
      compileFilter(options.validator);
    } catch (err) {
      throw badValue(`unsupported validator: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  ctx.core.catalog.create(ctx.db, name, options);
  return { ok: 1 };
};

const drop: CommandHandler = (body, ctx) => {
  const name = requireString(body, 'drop');
  const dropped = ctx.core.catalog.drop(ctx.db, name);
  // mongod 7 answers ok for a missing collection too.
  return dropped ? { nIndexesWas: dropped.indexes.size, ns: dropped.ns, ok: 1 } : { ok: 1 };
};

const dropDatabase: CommandHandler = (_body, ctx) => {
  ctx.core.catalog.dropDatabase(ctx.db);
  return { dropped: ctx.db, ok: 1 };
};

const listCollections: CommandHandler = (body, ctx) => {
  const filter = optionalDocument(body, 'filter');
  const nameOnly = isTruthy(body.nameOnly);
  const entries = ctx.core.catalog.collections(ctx.db).map((coll): Document =>
    nameOnly
      ? { name: coll.name, type: 'collection' }
      : {
          name: coll.name,
          type: 'collection',
          options: coll.options,
          info: { readOnly: false, uuid: coll.uuid },
          idIndex: ID_INDEX_SPEC,
        },
  );
  const matches = filter && Object.keys(filter).length > 0 ? compileFilter(filter) : undefined;
  const docs = matches ? entries.filter((e) => matches(e)) : entries;
  const ns = `${ctx.db}.$cmd.listCollections`;
  const cursorOpts = body.cursor as Document | undefined;
  const batch = ctx.core.cursors.open(ns, docs, {
    batchSize: toNumber(cursorOpts?.batchSize),
  });
  return cursorReply(ns, 'firstBatch', batch.docs, batch.cursorId);
};

function approximateSize(docs: number): number {
  // Sizes are not tracked per document; report something proportional and non-zero for non-empty dbs.
  return docs * 512 + 4096;
}

const listDatabases: CommandHandler = (body, ctx) => {
  const catalog = ctx.core.catalog;
  const nameOnly = isTruthy(body.nameOnly);
  let databases: Document[] = catalog.databaseNames().map((name) => {
    const docs = catalog.collections(name).reduce((n, c) => n + c.docs.size, 0);
    return nameOnly ? { name } : { name, sizeOnDisk: approximateSize(docs), empty: docs === 0 };
  });
  const filter = optionalDocument(body, 'filter');
  if (filter && Object.keys(filter).length > 0) {
    const matches = compileFilter(filter);
    databases = databases.filter((d) => matches(d));
  }
  if (nameOnly) return { databases, ok: 1 };
  const totalSize = databases.reduce((n, d) => n + Number(d.sizeOnDisk), 0);
  return { databases, totalSize, totalSizeMb: Math.round(totalSize / 1048576), ok: 1 };
};

const renameCollection: CommandHandler = (body, ctx) => {
  if (ctx.db !== 'admin')
    throw new EngineError(13, 'Unauthorized', 'renameCollection may only be run against the admin database.');
  const from = splitNs(requireString(body, 'renameCollection'));
  const to = splitNs(requireString(body, 'to'));
  const source = ctx.core.catalog.get(from.db, from.coll);
  if (!source)
    throw new EngineError(
      ErrorCodes.NamespaceNotFound,
      'NamespaceNotFound',
      'source namespace does not exist',
    );
  if (from.db === to.db && from.coll === to.coll)
    throw new EngineError(
      ErrorCodes.IllegalOperation,
      'IllegalOperation',
      "Can't rename a collection to itself",
    );
  ctx.core.catalog.rename(source, to.db, to.coll, isTruthy(body.dropTarget));
  return { ok: 1 };
};

const collMod: CommandHandler = (body, ctx) => {
  const name = requireString(body, 'collMod');
  const coll = ctx.core.catalog.getOrThrow(ctx.db, name);
  const options: Document = { ...coll.options };
  for (const key of ['validator', 'validationLevel', 'validationAction'])
    if (body[key] !== undefined) options[key] = body[key] as unknown;
  const reply: Document = {};
  const index = optionalDocument(body, 'index');
  if (index) {
    const target = [...coll.indexes.values()].find(
      (i) => i.name === index.name || JSON.stringify(i.spec.key) === JSON.stringify(index.keyPattern),
    );
    if (!target)
      throw new EngineError(ErrorCodes.IndexNotFound, 'IndexNotFound', 'cannot find index for collMod');
    if (index.expireAfterSeconds !== undefined) {
      const seconds: unknown = index.expireAfterSeconds;
      reply.expireAfterSeconds_old = target.spec.expireAfterSeconds as unknown;
      reply.expireAfterSeconds_new = seconds;
      const spec: Document = { ...target.spec, expireAfterSeconds: seconds };
      coll.dropIndex(target.name);
      coll.addIndex(spec);
      ctx.core.catalog.log.catalog({ op: 'dropIndexes', ns: coll.ns, names: [target.name] });
      ctx.core.catalog.log.catalog({ op: 'createIndexes', ns: coll.ns, specs: [spec] });
    }
  }
  coll.setOptions(options);
  ctx.core.catalog.log.catalog({ op: 'collMod', ns: coll.ns, options });
  return { ...reply, ok: 1 };
};

/** Handlers of this file by command name. */
export const catalogCommands: Record<string, CommandHandler> = {
  create,
  drop,
  dropDatabase,
  listCollections,
  listDatabases,
  renameCollection,
  collMod,
};
