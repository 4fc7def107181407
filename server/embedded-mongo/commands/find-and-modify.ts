/**
 * findAndModify: one document, selected by query and sort, removed or updated (optionally upserted),
 * returning its pre- or post-image. Failures, duplicate keys included, are top-level `ok: 0` errors.
 */
import type { Document } from 'bson';
import { EngineError, ErrorCodes } from '../errors';
import { deleteDocuments, updateDocuments } from '../query/write-path';
import { projectDocument } from '../semantics/index';
import { isTruthy, optionalArray, optionalDocument, optionalSpec, requireString } from './args';
import type { CommandHandler } from './command-types';

function failedToParse(message: string): EngineError {
  return new EngineError(ErrorCodes.FailedToParse, 'FailedToParse', message);
}

const findAndModify: CommandHandler = (body, ctx) => {
  const name = requireString(body, body.findAndModify !== undefined ? 'findAndModify' : 'findandmodify');
  const remove = isTruthy(body.remove);
  const update = body.update as Document | Document[] | undefined;
  const upsert = isTruthy(body.upsert);
  if (remove && update !== undefined) throw failedToParse('Cannot specify both an update and remove=true');
  if (!remove && update === undefined)
    throw failedToParse('Either an update or remove=true must be specified');
  if (remove && upsert) throw failedToParse('Cannot specify both upsert=true and remove=true');
  if (remove && isTruthy(body.new)) throw failedToParse('Cannot specify both new=true and remove=true');
  const filter = optionalDocument(body, 'query') ?? {};
  const sort = optionalSpec(body, 'sort');
  const fields = optionalSpec(body, 'fields');
  const collation = optionalDocument(body, 'collation');
  const letVars = optionalDocument(body, 'let');
  const project = (doc: Document | undefined): Document | null =>
    doc === undefined
      ? null
      : fields && Object.keys(fields).length > 0
        ? projectDocument(doc, fields, { filter })
        : doc;

  if (remove) {
    const coll = ctx.core.catalog.get(ctx.db, name);
    const removed = coll ? deleteDocuments(coll, { filter, sort, limit: 1, collation, let: letVars }) : [];
    return { lastErrorObject: { n: removed.length }, value: project(removed[0]), ok: 1 };
  }
  const out = updateDocuments(ctx.core.catalog, ctx.db, name, {
    filter,
    update: update as Document | Document[],
    upsert,
    multi: false,
    sort,
    arrayFilters: optionalArray(body, 'arrayFilters') as Document[] | undefined,
    collation,
    let: letVars,
  });
  if (out.upsertedId !== undefined) {
    return {
      lastErrorObject: { n: 1, updatedExisting: false, upserted: out.upsertedId },
      value: isTruthy(body.new) ? project(out.after) : null,
      ok: 1,
    };
  }
  return {
    lastErrorObject: { n: out.matched, updatedExisting: out.matched > 0 },
    value: project(isTruthy(body.new) ? out.after : out.before),
    ok: 1,
  };
};

/** Handlers of this file by command name. */
export const findAndModifyCommands: Record<string, CommandHandler> = {
  findAndModify,
  findandmodify: findAndModify,
};
