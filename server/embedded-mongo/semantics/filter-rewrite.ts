/**
 * Rewrites MongoDB filters into the form the engine's mingo context evaluates with MongoDB semantics:
 * regexes become JS RegExps (MongoDB's `x` flag included), numeric arguments of `$exists`, `$size`,
 * `$type`... become numbers (mingo tests them with `===` and truthiness), `__proto__` paths become a
 * missing field instead of an exception, `$comment` is dropped and `$where` refused.
 */
import type { BSONRegExp, Document } from 'bson';
import { bsonTag, isNumeric, isPlainDocument, numberOf, isArray } from './bson-types.js';
import { fail } from './fail.js';
import { toJsRegExp } from './normalize.js';

/**
 * BSON field names cannot contain NUL, so a path component renamed to contain one names a field no
 * stored document has: `__proto__` then behaves as the missing field it is in MongoDB, where mingo
 * would throw.
 */
const PROTO_STANDIN = '\u0000__proto__';
const NUMERIC_ARG_OPS = new Set([
  '$exists',
  '$size',
  '$type',
  '$mod',
  '$bitsAllSet',
  '$bitsAnySet',
  '$bitsAllClear',
  '$bitsAnyClear',
]);

function safePath(path: string): string {
  return path
    .split('.')
    .map((part) => (part === '__proto__' ? PROTO_STANDIN : part))
    .join('.');
}

function unwrapNumbers(v: unknown): unknown {
  if (isArray(v)) return v.map(unwrapNumbers);
  return isNumeric(v) ? numberOf(v) : v;
}

function toRegExp(v: unknown, options = ''): RegExp {
  if (v instanceof RegExp) return options ? toJsRegExp(v.source, options) : v;
  if (bsonTag(v) === 'BSONRegExp') {
    const r = v as BSONRegExp;
    return toJsRegExp(r.pattern, options || r.options);
  }
  if (typeof v === 'string') return toJsRegExp(v, options);
  throw fail('BadValue', '$regex has to be a string');
}

const regexOrValue = (v: unknown): unknown => (bsonTag(v) === 'BSONRegExp' ? toRegExp(v) : v);

function rewriteOperators(cond: Document): Document {
  const out: Document = {};
  for (const [op, arg] of Object.entries(cond) as [string, unknown][]) {
    if (op === '$options') continue;
    if (op === '$regex') out.$regex = toRegExp(arg, typeof cond.$options === 'string' ? cond.$options : '');
    else if (op === '$not') out.$not = isPlainDocument(arg) ? rewriteCondition(arg) : regexOrValue(arg);
    else if (op === '$elemMatch' && isPlainDocument(arg)) out.$elemMatch = rewriteElemMatch(arg);
    else if (op === '$in' || op === '$nin' || op === '$all') {
      out[op] = isArray(arg)
        ? arg.map((x) => (isPlainDocument(x) && x.$elemMatch ? rewriteOperators(x) : regexOrValue(x)))
        : arg;
    } else if (NUMERIC_ARG_OPS.has(op)) out[op] = unwrapNumbers(arg);
    else out[op] = arg;
  }
  return out;
}

function rewriteElemMatch(arg: Document): Document {
  const keys = Object.keys(arg);
  const isOperatorForm =
    keys.length > 0 && keys.every((k) => k.startsWith('$') && !['$and', '$or', '$nor', '$expr'].includes(k));
  return isOperatorForm ? rewriteOperators(arg) : rewriteFilter(arg);
}

function rewriteCondition(cond: unknown): unknown {
  if (bsonTag(cond) === 'BSONRegExp') return toRegExp(cond);
  if (isPlainDocument(cond) && Object.keys(cond).some((k) => k.startsWith('$')))
    return rewriteOperators(cond);
  return cond;
}

/** Rewrites a filter into the form the engine's mingo context evaluates with MongoDB semantics. */
export function rewriteFilter(filter: Document): Document {
  const out: Document = {};
  for (const [key, value] of Object.entries(filter) as [string, unknown][]) {
    if (key === '$and' || key === '$or' || key === '$nor') {
      if (!isArray(value) || value.length === 0) {
        throw fail('BadValue', `${key} must be a nonempty array`);
      }
      out[key] = value.map((f) => rewriteFilter(f as Document));
    } else if (key === '$where') {
      throw fail('BadValue', '$where is not supported: the embedded engine runs no JavaScript');
    } else if (key === '$comment') {
      continue;
    } else if (key.startsWith('$')) {
      out[key] = value;
    } else {
      out[safePath(key)] = rewriteCondition(value);
    }
  }
  return out;
}
