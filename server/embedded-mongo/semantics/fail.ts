/** Shorthand for building the engine's errors from a code name. */
import { EngineError, ErrorCodes } from '../errors.js';

/** An EngineError with the code and codeName of `name` (e.g. `fail('BadValue', '...')`). */
export function fail(name: keyof typeof ErrorCodes, message: string): EngineError {
  // mongod spells "LocationNNNNN" codes as such in codeName as well.
  return new EngineError(ErrorCodes[name], name, message);
}
