/**
 * insert, update and delete. Per-statement failures are `ok: 1` plus `writeErrors`; an ordered batch
 * stops at the first failure, an unordered one carries on.
 */
import type { Document } from 'bson';
import { isPlainDocument } from '../indexes/bson-kinds';
import { deleteDocuments, updateDocuments, withIdFirst } from '../query/write-path';
import {
  badValue,
  isTruthy,
  optionalArray,
  optionalCount,
  optionalDocument,
  requireString,
  typeMismatch,
} from './args';
import type { CommandHandler } from './command-types';
import { writeErrorOf } from './write-errors';

function statements(body: Document, field: string): Document[] {
  const list = optionalArray(body, field) ?? [];
  return list.map((s, i) => {
    if (!isPlainDocument(s)) throw typeMismatch(`${field}.${i} must be an object`);
    return s;
  });
}

function finish(reply: Document, writeErrors: Document[]): Document {
  if (writeErrors.length > 0) reply.writeErrors = writeErrors;
  reply.ok = 1;
  return reply;
}

const insert: CommandHandler = (body, ctx) => {
  const name = requireString(body, 'insert');
  const docs = statements(body, 'documents');
  const ordered = body.ordered === undefined || isTruthy(body.ordered);
  const coll = ctx.core.catalog.ensure(ctx.db, name).coll;
  const writeErrors: Document[] = [];
  let n = 0;
  for (let i = 0; i < docs.length; i++) {
    try {
      coll.insert(withIdFirst(docs[i] as Document));
      n += 1;
    } catch (err) {
      writeErrors.push(writeErrorOf(i, err));
      if (ordered) break;
    }
  }
  return finish({ n }, writeErrors);
};

const update: CommandHandler = (body, ctx) => {
  const name = requireString(body, 'update');
  const updates = statements(body, 'updates');
  const ordered = body.ordered === undefined || isTruthy(body.ordered);
  const letVars = optionalDocument(body, 'let');
  const writeErrors: Document[] = [];
  const upserted: Document[] = [];
  let n = 0;
  let nModified = 0;
  for (let i = 0; i < updates.length; i++) {
    const st = updates[i] as Document;
    try {
      if (st.u === undefined) throw badValue("update statement is missing the 'u' field");
      const out = updateDocuments(ctx.core.catalog, ctx.db, name, {
        filter: optionalDocument(st, 'q') ?? {},
        update: st.u as Document | Document[],
        upsert: isTruthy(st.upsert),
        multi: isTruthy(st.multi),
        arrayFilters: optionalArray(st, 'arrayFilters') as Document[] | undefined,
        collation: optionalDocument(st, 'collation'),
        let: letVars,
      });
      n += out.matched;
      nModified += out.modified;
      if (out.upsertedId !== undefined) {
        n += 1;
        upserted.push({ index: i, _id: out.upsertedId });
      }
    } catch (err) {
      writeErrors.push(writeErrorOf(i, err));
      if (ordered) break;
    }
  }
  const reply: Document = { n, nModified };
  if (upserted.length > 0) reply.upserted = upserted;
  return finish(reply, writeErrors);
};

const del: CommandHandler = (body, ctx) => {
  const name = requireString(body, 'delete');
  const deletes = statements(body, 'deletes');
  const ordered = body.ordered === undefined || isTruthy(body.ordered);
  const letVars = optionalDocument(body, 'let');
  const coll = ctx.core.catalog.get(ctx.db, name);
  const writeErrors: Document[] = [];
  let n = 0;
  for (let i = 0; i < deletes.length; i++) {
    const st = deletes[i] as Document;
    try {
      const limit = optionalCount(st, 'limit') ?? 0;
      if (limit !== 0 && limit !== 1) throw badValue('The limit field in delete objects must be 0 or 1');
      if (!coll) continue;
      n += deleteDocuments(coll, {
        filter: optionalDocument(st, 'q') ?? {},
        limit,
        collation: optionalDocument(st, 'collation'),
        let: letVars,
      }).length;
    } catch (err) {
      writeErrors.push(writeErrorOf(i, err));
      if (ordered) break;
    }
  }
  return finish({ n }, writeErrors);
};

/** Handlers of this file by command name. */
export const writeCommands: Record<string, CommandHandler> = { insert, update, delete: del };
