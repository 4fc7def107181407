/** Database and collection name rules (mongod's, code 73 InvalidNamespace). */
import { EngineError, ErrorCodes } from '../errors';

function invalid(message: string): EngineError {
  return new EngineError(ErrorCodes.InvalidNamespace, 'InvalidNamespace', message);
}

export function validateDbName(db: string): void {
  if (db.length === 0 || db.length >= 64 || /[/\\. "$\0]/.test(db))
    throw invalid(`Invalid database name: '${db}'`);
}

export function validateCollectionName(db: string, name: string): void {
  validateDbName(db);
  if (typeof name !== 'string' || name.length === 0)
    throw invalid('Invalid namespace specified: collection name is empty');
  if (name.includes('$') || name.includes('\0')) throw invalid(`Invalid collection name: ${name}`);
  if (name.startsWith('system.') || name.startsWith('.'))
    throw invalid(`Invalid system namespace: ${db}.${name}`);
  if (db.length + 1 + name.length > 255)
    throw invalid(`Fully qualified namespace is too long: ${db}.${name}`);
}
