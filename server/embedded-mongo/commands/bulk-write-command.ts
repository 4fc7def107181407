/**
 * The client-level `bulkWrite` admin command (MongoDB 8.0; mongoose's `Connection.bulkWrite()` sends it
 * whatever the server version): a list of insert/update/delete ops over several namespaces. Results come
 * back as a cursor of per-op replies plus totals.
 */
import type { Document } from 'bson';
import { isPlainDocument } from '../indexes/bson-kinds';
import { splitNs } from '../persistence/journal-format';
import { deleteDocuments, updateDocuments, withIdFirst } from '../query/write-path';
import { badValue, isTruthy, optionalArray, optionalDocument, toNumber } from './args';
import type { CommandHandler } from './command-types';
import { cursorReply } from './read-commands';
import { writeErrorOf } from './write-errors';

interface Totals {
  nInserted: number;
  nMatched: number;
  nModified: number;
  nUpserted: number;
  nDeleted: number;
  nErrors: number;
}

const bulkWrite: CommandHandler = (body, ctx) => {
  if (ctx.db !== 'admin') throw badValue('bulkWrite may only be run against the admin database');
  const nsInfo = (optionalArray(body, 'nsInfo') ?? []).map((n) =>
    isPlainDocument(n) && typeof n.ns === 'string' ? n.ns : '',
  );
  const ops = optionalArray(body, 'ops') ?? [];
  const ordered = body.ordered === undefined || isTruthy(body.ordered);
  const errorsOnly = isTruthy(body.errorsOnly);
  const letVars = optionalDocument(body, 'let');
  const totals: Totals = { nInserted: 0, nMatched: 0, nModified: 0, nUpserted: 0, nDeleted: 0, nErrors: 0 };
  const replies: Document[] = [];
  const catalog = ctx.core.catalog;
  for (let idx = 0; idx < ops.length; idx++) {
    const op = ops[idx];
    try {
      if (!isPlainDocument(op)) throw badValue(`ops.${idx} must be an object`);
      const kind = Object.keys(op)[0];
      const ns = nsInfo[toNumber(op[kind ?? '']) ?? -1];
      if (!ns) throw badValue(`ops.${idx} refers to an unknown nsInfo entry`);
      const { db, coll: name } = splitNs(ns);
      if (kind === 'insert') {
        const doc = optionalDocument(op, 'document');
        if (!doc) throw badValue('insert requires a document');
        catalog.ensure(db, name).coll.insert(withIdFirst(doc));
        totals.nInserted += 1;
        if (!errorsOnly) replies.push({ ok: 1, idx, n: 1 });
      } else if (kind === 'update') {
        const out = updateDocuments(catalog, db, name, {
          filter: optionalDocument(op, 'filter') ?? {},
          update: (op.updateMods ?? {}) as Document | Document[],
          upsert: isTruthy(op.upsert),
          multi: isTruthy(op.multi),
          sort: optionalDocument(op, 'sort'),
          arrayFilters: optionalArray(op, 'arrayFilters') as Document[] | undefined,
          collation: optionalDocument(op, 'collation'),
          let: letVars,
        });
        totals.nMatched += out.matched;
        totals.nModified += out.modified;
        const reply: Document = { ok: 1, idx, n: out.matched, nModified: out.modified };
        if (out.upsertedId !== undefined) {
          totals.nUpserted += 1;
          reply.n = 1;
          reply.upserted = { _id: out.upsertedId };
        }
        if (!errorsOnly) replies.push(reply);
      } else if (kind === 'delete') {
        const coll = catalog.get(db, name);
        const n = coll
          ? deleteDocuments(coll, {
              filter: optionalDocument(op, 'filter') ?? {},
              limit: isTruthy(op.multi) ? 0 : 1,
              collation: optionalDocument(op, 'collation'),
              let: letVars,
            }).length
          : 0;
        totals.nDeleted += n;
        if (!errorsOnly) replies.push({ ok: 1, idx, n });
      } else {
        throw badValue(`unknown bulkWrite operation '${String(kind)}'`);
      }
    } catch (err) {
      totals.nErrors += 1;
      const { index: _index, ...detail } = writeErrorOf(idx, err);
      replies.push({ ok: 0, idx, ...detail });
      if (ordered) break;
    }
  }
  return { ...cursorReply('admin.$cmd.bulkWrite', 'firstBatch', replies, 0n), ...totals, ok: 1 };
};

/** Handlers of this file by command name. */
export const bulkWriteCommands: Record<string, CommandHandler> = { bulkWrite };
