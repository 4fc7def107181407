/** Shorthand for building the engine's errors from a code name. */
import { EJSON } from 'bson';
import { EngineError, ErrorCodes } from '../errors.js';

/** An EngineError with the code and codeName of `name` (e.g. `fail('BadValue', '...')`). */
export function fail(name: keyof typeof ErrorCodes, message: string): EngineError {
  // mongod spells "LocationNNNNN" codes as such in codeName as well.
  return new EngineError(ErrorCodes[name], name, message);
}

/** A value as MongoDB error messages show it (extended JSON, relaxed). */
export function show(v: unknown): string {
  try {
    return EJSON.stringify(v, { relaxed: true });
  } catch {
    return typeof v === 'string' ? v : Object.prototype.toString.call(v);
  }
}
