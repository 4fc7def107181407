/**
 * Field names the engine refuses in update and pipeline paths: `__proto__`, `constructor` and
 * `prototype`. Documents are plain JS objects, so walking or writing a path through one of these names
 * reaches `Object.prototype` (or `Object` itself) instead of a field: `$rename: {a: '__proto__.x'}` used
 * to set `x` on every object of the process, after which mingo's operator tables broke for every
 * client until a restart. MongoDB stores such names as ordinary fields; no hub data uses them, so the
 * engine refuses them (code 2, BadValue) rather than emulate own-property semantics in every path walker
 * and in mingo.
 */
import { isArray, isPlainDocument } from './bson-types.js';
import { fail } from './fail.js';

const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);

/** The reserved segment of a dotted path, if any. */
function reservedSegment(path: string): string | undefined {
  for (const part of path.split('.')) if (RESERVED.has(part)) return part;
  return undefined;
}

function refuse(path: string, segment: string, where: string): never {
  throw fail(
    'BadValue',
    `The ${where} path '${path}' contains the field name '${segment}', which the embedded engine does not accept ('__proto__', 'constructor' and 'prototype' are reserved)`,
  );
}

/** Throws BadValue when a field path (of an update operator, `$rename` target...) has a reserved segment. */
export function assertSafeFieldPath(path: string, where = 'update'): void {
  const segment = reservedSegment(path);
  if (segment !== undefined) refuse(path, segment, where);
}

/** Operators whose `field` argument names a field (`$getField: 'x'` or `{field: 'x', ...}`). */
const FIELD_OPERATORS = new Set(['$getField', '$setField', '$unsetField']);
/** Stage options (and `$count`) whose string value is a field path without the `$`. */
const PATH_OPTIONS = new Set([
  '$count',
  'localField',
  'foreignField',
  'as',
  'connectFromField',
  'connectToField',
  'depthField',
  'includeArrayIndex',
]);

function walk(value: unknown, depth: number): void {
  if (depth > 200) return; // the wire layer bounds nesting; this only stops a pathological walk
  if (typeof value === 'string') {
    // `$a.b` is a field path, `$$var.a.b` a variable path: both walk the segments after the first dot.
    if (value.startsWith('$')) {
      const path = value.startsWith('$$') ? value.slice(2).split('.').slice(1).join('.') : value.slice(1);
      if (path !== '') assertSafeFieldPath(path, 'pipeline');
    }
    return;
  }
  if (isArray(value)) {
    for (const el of value) walk(el, depth + 1);
    return;
  }
  if (!isPlainDocument(value)) return;
  for (const key of Object.keys(value)) {
    if (!key.startsWith('$')) assertSafeFieldPath(key, 'pipeline');
    const arg: unknown = value[key];
    if (PATH_OPTIONS.has(key) && typeof arg === 'string') assertSafeFieldPath(arg, 'pipeline');
    if (key === '$unset') {
      for (const path of isArray(arg) ? arg : [arg])
        if (typeof path === 'string') assertSafeFieldPath(path, 'pipeline');
    }
    if (FIELD_OPERATORS.has(key)) {
      const field: unknown = isPlainDocument(arg) ? arg.field : arg;
      if (typeof field === 'string' && RESERVED.has(field)) refuse(field, field, 'pipeline');
    }
    // `$literal` holds data, not paths: `{$literal: '$x'}` is the string "$x".
    if (key !== '$literal') walk(arg, depth + 1);
  }
}

/** Throws BadValue when any field name or field path of a pipeline (or stage) has a reserved segment. */
export function assertSafePipeline(pipeline: unknown): void {
  walk(pipeline, 0);
}
