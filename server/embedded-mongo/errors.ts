/**
 * The one error type of the embedded engine. Every failure a client can see is an EngineError carrying a
 * MongoDB error code and codeName, so the wire layer can answer `{ok: 0, errmsg, code, codeName}` (or a
 * `writeErrors` entry) exactly as mongod would.
 */
export class EngineError extends Error {
  readonly code: number;
  readonly codeName: string;
  /** Extra fields copied into the error reply (e.g. keyPattern/keyValue for duplicate keys). */
  readonly details: Record<string, unknown>;

  constructor(code: number, codeName: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'EngineError';
    this.code = code;
    this.codeName = codeName;
    this.details = details;
  }
}

/** MongoDB error codes the engine answers with (names as mongod spells them). */
export const ErrorCodes = {
  BadValue: 2,
  FailedToParse: 9,
  TypeMismatch: 14,
  IllegalOperation: 20,
  NamespaceNotFound: 26,
  ConflictingUpdateOperators: 40,
  CursorNotFound: 43,
  NamespaceExists: 48,
  InvalidOptions: 72,
  IndexNotFound: 27,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  CommandNotFound: 59,
  ImmutableField: 66,
  DocumentValidationFailure: 121,
  InvalidNamespace: 73,
  DuplicateKey: 11000,
  Location40573: 40573,
  PathNotViable: 28,
  ConversionFailure: 241,
  DollarPrefixedFieldName: 52,
  EmptyFieldName: 56,
  Location31250: 31250,
  Location31253: 31253,
  Location31254: 31254,
} as const;
