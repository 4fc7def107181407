/**
 * Extracts, from a filter, the per-field constraints an index can serve: equality (`v`, `$eq`, `$in`)
 * and ranges (`$gt/$gte/$lt/$lte`). Only conjunctive parts are used (top level and `$and`); everything
 * else is left to the full filter, which is always re-applied to the candidates.
 */
import type { Document } from 'bson';
import { bsonTypeOf, isPlainDocument, isRegexValue } from '../indexes/bson-kinds';

export interface Bound {
  value: unknown;
  inclusive: boolean;
}

export interface FieldConstraint {
  /** Alternatives for equality (one value for `$eq`, several for `$in`). */
  eq?: unknown[];
  lower?: Bound;
  upper?: Bound;
}

/** Values an index can look up exactly: scalars and plain documents, never arrays or regexes. */
function isIndexableValue(v: unknown): boolean {
  if (v === undefined || Array.isArray(v) || isRegexValue(v)) return false;
  const tag = bsonTypeOf(v);
  if (tag === 'MinKey' || tag === 'MaxKey' || tag === 'Code') return false;
  if (typeof v === 'number' && Number.isNaN(v)) return false;
  return true;
}

function isRangeValue(v: unknown): boolean {
  if (!isIndexableValue(v) || v === null || isPlainDocument(v)) return false;
  const tag = bsonTypeOf(v);
  if (tag === 'Decimal128' && Number.isNaN(Number.parseFloat((v as { toString(): string }).toString())))
    return false;
  if ((tag === 'Double' || tag === 'Int32') && Number.isNaN((v as { value: number }).value)) return false;
  return true;
}

function isOperatorDoc(v: unknown): v is Document {
  if (!isPlainDocument(v)) return false;
  const keys = Object.keys(v);
  return keys.length > 0 && keys.every((k) => k.startsWith('$'));
}

function addField(out: Map<string, FieldConstraint>, field: string, value: unknown): void {
  const c: FieldConstraint = out.get(field) ?? {};
  if (isOperatorDoc(value)) {
    for (const [op, arg] of Object.entries(value)) {
      if (op === '$eq' && isIndexableValue(arg) && !c.eq) c.eq = [arg];
      else if (op === '$in' && Array.isArray(arg) && arg.length > 0 && arg.every(isIndexableValue) && !c.eq)
        c.eq = arg;
      else if ((op === '$gt' || op === '$gte') && isRangeValue(arg) && !c.lower)
        c.lower = { value: arg, inclusive: op === '$gte' };
      else if ((op === '$lt' || op === '$lte') && isRangeValue(arg) && !c.upper)
        c.upper = { value: arg, inclusive: op === '$lte' };
    }
  } else if (isIndexableValue(value) && !c.eq) {
    c.eq = [value];
  }
  if (c.eq || c.lower || c.upper) out.set(field, c);
}

/** Constraints by field path, from the conjunctive part of `filter`. */
export function extractConstraints(
  filter: Document,
  out = new Map<string, FieldConstraint>(),
): Map<string, FieldConstraint> {
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$and' && Array.isArray(value)) {
      for (const branch of value) if (isPlainDocument(branch)) extractConstraints(branch, out);
    } else if (!key.startsWith('$')) {
      addField(out, key, value);
    }
  }
  return out;
}

/** The constraints of one `$elemMatch` on an array path: they all hold for one and the same element. */
export interface ElementGroup {
  /** The array's path (`identities`). */
  path: string;
  /** Constraints by full path (`identities.channel`), for fields named directly inside the element. */
  constraints: Map<string, FieldConstraint>;
}

/**
 * The `{path: {$elemMatch: {...}}}` parts of the conjunctive filter, each as constraints on one element.
 * A compound index over fields of one array pairs each element's own values (see keyTuples), so these
 * bound several of its fields at once, where separate top-level conditions may come from different elements.
 */
export function extractElementGroups(filter: Document, out: ElementGroup[] = []): ElementGroup[] {
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$and' && Array.isArray(value)) {
      for (const branch of value) if (isPlainDocument(branch)) extractElementGroups(branch, out);
    } else if (!key.startsWith('$') && isOperatorDoc(value) && isPlainDocument(value.$elemMatch)) {
      const inner = extractConstraints(value.$elemMatch);
      const constraints = new Map<string, FieldConstraint>();
      // Only direct fields of the element: `b.c` and `b.d` inside one element may still come from
      // different elements of a nested array `b`.
      for (const [field, c] of inner) if (!field.includes('.')) constraints.set(`${key}.${field}`, c);
      if (constraints.size > 0) out.push({ path: key, constraints });
    }
  }
  return out;
}
