/**
 * The `$type` aggregation expression. Inside a pipeline numbers have been converted to JS numbers,
 * so for a plain field path the stored value is read from the original document (through the
 * conversion provenance) and its real BSON type reported: int, long, double and decimal stay distinct.
 */
import { evalExpr } from 'mingo/core';
import type { Options } from 'mingo/types';
import { bsonTypeOf, isArray } from './bson-types.js';
import { originOf } from './normalize.js';

function storedValue(obj: unknown, expr: unknown): { value: unknown } | undefined {
  if (typeof expr !== 'string' || !expr.startsWith('$') || expr.startsWith('$$')) return undefined;
  const origin = originOf(obj);
  if (!origin || isArray(origin)) return undefined;
  // Only paths that do not cross arrays name one stored value.
  const parts = expr.slice(1).split('.');
  let cur: unknown = origin;
  for (const part of parts) {
    if (isArray(cur)) return undefined;
    cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[part] : undefined;
  }
  return { value: cur };
}

/** `{$type: <expression>}` with MongoDB's type names. */
export function $type(obj: unknown, expr: unknown, options: Options): string {
  const stored = storedValue(obj, expr);
  const v = stored ? stored.value : evalExpr(obj, expr, options);
  const type = bsonTypeOf(v);
  // A computed integer too large for int32 is what MongoDB's integer arithmetic would make a long.
  if (!stored && type === 'double' && typeof v === 'number' && Number.isSafeInteger(v)) return 'long';
  return type;
}
