/**
 * aggregate. The pipeline runs in the semantics layer; the engine feeds it candidates: a leading `$match`
 * (with a following `$sort`/`$limit`) is answered through the query planner so it can use indexes, and
 * `$lookup` resolves collections of the same database. `$out` replaces its target collection; change
 * streams are refused as a standalone mongod refuses them.
 */
import type { Document } from 'bson';
import { EngineError, ErrorCodes } from '../errors';
import { isPlainDocument } from '../indexes/bson-kinds';
import { findDocuments } from '../query/read-path';
import { withIdFirst } from '../query/write-path';
import { runPipeline } from '../semantics/index';
import { compileNativePrefix } from '../semantics/native-pipeline';
import {
  badValue,
  isTruthy,
  optionalCount,
  optionalDocument,
  toNumber,
  typeMismatch,
  unwrapSpec,
} from './args';
import type { CommandContext, CommandHandler } from './command-types';
import { cursorReply } from './read-commands';

function stageName(stage: Document): string {
  return Object.keys(stage)[0] ?? '';
}

/** The leading `$match` [+ `$sort`] [+ `$limit`] stages, answered as one planned query. */
function leadingQuery(pipeline: Document[]): {
  filter: Document;
  sort?: Document;
  limit?: number;
  consumed: number;
} {
  let i = 0;
  let filter: Document = {};
  let sort: Document | undefined;
  let limit: number | undefined;
  const first = pipeline[0];
  if (first && stageName(first) === '$match' && isPlainDocument(first.$match)) {
    filter = first.$match;
    i = 1;
  }
  const second = pipeline[i];
  if (second && stageName(second) === '$sort' && isPlainDocument(second.$sort)) {
    const spec = unwrapSpec(second.$sort) as Document;
    // `$meta` sorts belong to the pipeline.
    if (Object.values(spec).every((v) => typeof v === 'number')) {
      sort = spec;
      i += 1;
      const third = pipeline[i];
      const n = third && stageName(third) === '$limit' ? toNumber(third.$limit) : undefined;
      if (n !== undefined && n > 0) {
        limit = n;
        i += 1;
      }
    }
  }
  return { filter, sort, limit, consumed: i };
}

function runOut(ctx: CommandContext, target: unknown, docs: Document[]): void {
  const spec = typeof target === 'string' ? { db: ctx.db, coll: target } : (target as Document);
  const db = typeof spec.db === 'string' ? spec.db : ctx.db;
  const name: unknown = spec.coll;
  if (typeof name !== 'string') throw badValue('$out requires a collection name');
  const catalog = ctx.core.catalog;
  const old = catalog.get(db, name);
  const specs = old ? [...old.indexes.values()].map((i) => i.spec).filter((s) => s.name !== '_id_') : [];
  if (old) catalog.drop(db, name);
  const coll = catalog.create(db, name, old?.options ?? {});
  for (const s of specs) coll.addIndex(s);
  if (specs.length > 0) catalog.log.catalog({ op: 'createIndexes', ns: coll.ns, specs });
  for (const doc of docs) coll.insert(withIdFirst(doc));
}

const aggregate: CommandHandler = (body, ctx) => {
  const target: unknown = body.aggregate;
  if (!Array.isArray(body.pipeline)) throw typeMismatch("'pipeline' option must be specified as an array");
  const pipeline = body.pipeline as Document[];
  if (pipeline.some((s) => !isPlainDocument(s) || Object.keys(s).length !== 1)) {
    throw new EngineError(
      40323,
      'Location40323',
      'A pipeline stage specification object must contain exactly one field.',
    );
  }
  if (pipeline.some((s) => stageName(s) === '$changeStream')) {
    throw new EngineError(
      ErrorCodes.Location40573,
      'Location40573',
      'The $changeStream stage is only supported on replica sets',
    );
  }
  if (pipeline.some((s) => stageName(s) === '$merge'))
    throw badValue('$merge is not supported by the embedded engine');
  const outIndex = pipeline.findIndex((s) => stageName(s) === '$out');
  if (outIndex >= 0 && outIndex !== pipeline.length - 1)
    throw badValue('$out can only be the final stage in the pipeline');
  const stages = outIndex >= 0 ? pipeline.slice(0, -1) : pipeline;
  const collation = optionalDocument(body, 'collation');
  const letVars = optionalDocument(body, 'let');
  const catalog = ctx.core.catalog;

  let input: Document[] = [];
  let rest = stages;
  let plan = 'COLLSCAN';
  if (typeof target === 'string') {
    const coll = catalog.get(ctx.db, target);
    const lead = leadingQuery(stages);
    if (coll) {
      const res = findDocuments(coll, {
        filter: lead.filter,
        sort: lead.sort,
        limit: lead.limit,
        collation,
        let: letVars,
      });
      input = res.docs;
      plan = res.plan.indexName ? `IXSCAN ${res.plan.indexName}` : res.plan.stage;
    }
    rest = stages.slice(lead.consumed);
  } else if (toNumber(target) !== 1) {
    throw typeMismatch("'aggregate' must be a collection name or 1");
  }
  // The stages after the planned query that run natively on stored documents; mingo takes the rest.
  const native =
    rest.length > 0 && ctx.core.settings.nativeAggregation
      ? compileNativePrefix(rest, { collation, let: letVars })
      : undefined;
  if (isTruthy(body.explain)) {
    return {
      explainVersion: '1',
      stages: [{ $cursor: { queryPlanner: { winningPlan: { stage: plan } } } }, ...rest],
      nativeStages: native?.consumed ?? 0,
      ok: 1,
    };
  }
  let out = input;
  if (native && native.consumed > 0) {
    out = native.run(input);
    rest = rest.slice(native.consumed);
  }
  if (rest.length > 0) {
    out = runPipeline(out, rest, {
      resolveCollection: (name) => [...(catalog.get(ctx.db, name)?.docs.values() ?? [])],
      collation,
      let: letVars,
    });
  }
  const ns = typeof target === 'string' ? `${ctx.db}.${target}` : `${ctx.db}.$cmd.aggregate`;
  if (outIndex >= 0) {
    runOut(ctx, (pipeline[outIndex] as Document).$out, out);
    return cursorReply(ns, 'firstBatch', [], 0n);
  }
  const cursorOpts = optionalDocument(body, 'cursor') ?? {};
  const batch = ctx.core.cursors.open(ns, out, { batchSize: optionalCount(cursorOpts, 'batchSize') });
  return cursorReply(ns, 'firstBatch', batch.docs, batch.cursorId);
};

/** Handlers of this file by command name. */
export const aggregateCommands: Record<string, CommandHandler> = { aggregate };
