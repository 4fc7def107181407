/** Converting thrown errors into command replies and per-document write errors. */
import type { Document } from 'bson';
import { EngineError, ErrorCodes } from '../errors';

/** Any thrown value as an EngineError (unknown errors become BadValue with their message). */
export function toEngineError(err: unknown): EngineError {
  if (err instanceof EngineError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new EngineError(ErrorCodes.BadValue, 'BadValue', message);
}

/** `{ok: 0, errmsg, code, codeName, ...details}` as mongod answers a failed command. */
export function errorReply(err: unknown): Document {
  const e = toEngineError(err);
  return { ok: 0, errmsg: e.message, code: e.code, codeName: e.codeName, ...e.details };
}

/** One `writeErrors` entry. */
export function writeErrorOf(index: number, err: unknown): Document {
  const e = toEngineError(err);
  return { index, code: e.code, errmsg: e.message, ...e.details };
}
