/**
 * Chooses how to find a query's candidate documents: an `_id` lookup, an index range scan, or a full
 * collection scan. Candidates are a superset of the matches (the full filter is always re-applied), so
 * the planner only has to be conservative, never exact. When an index also yields the requested sort
 * order, the plan says so and the read path can stop after `skip + limit` matches.
 */
import type { Document } from 'bson';
import type { Collection } from '../catalog/collection';
import { idKeyOfEntry, type IndexState } from '../indexes/index-state';
import { bsonTypeOf, isPlainDocument } from '../indexes/bson-kinds';
import { collationIdentity, idKeyOf, nextTypeByte } from '../indexes/key-encoding';
import { impliesPartialFilter } from './partial-filter';
import {
  extractConstraints,
  extractElementGroups,
  type ElementGroup,
  type FieldConstraint,
} from './predicates';

export interface QueryPlan {
  /** Candidate documents, possibly in sort order (see `sorted`). */
  candidates: Iterable<Document>;
  /** True when candidates come out in the requested sort order. */
  sorted: boolean;
  /** For explain: 'COLLSCAN', 'IDHACK' or 'IXSCAN'. */
  stage: 'COLLSCAN' | 'IDHACK' | 'IXSCAN';
  indexName?: string;
  /**
   * The candidates ARE the matches: the filter is nothing but equalities on the keys the index matched
   * exactly, with values whose key encoding is exact. The read path then skips compiling the filter
   * (the dominant cost of a point read).
   */
  exact?: boolean;
  /**
   * When set, the candidates are the matches once this cheap check holds: the filter need not be
   * compiled (an `$elemMatch` lookup answered by a lockstep index needs only "the path is an array").
   */
  verify?: (doc: Document) => boolean;
}

/** Past this many `$in` combinations the planner prefers fewer key fields. */
const MAX_KEY_RANGES = 4096;

interface IndexChoice {
  index: IndexState;
  /** The `$elemMatch` whose constraints bounded the index, if any. */
  group?: ElementGroup;
  eqFields: number;
  hasRange: boolean;
  ranges: Array<[string, string]>;
  score: number;
}

function hasString(values: readonly unknown[]): boolean {
  return values.some((v) => typeof v === 'string' || (typeof v === 'object' && v !== null));
}

/** Whether `index` may answer a constraint given the query collation (strings compare per collation). */
function collationAllows(
  index: IndexState,
  values: readonly unknown[],
  queryCollation: string,
  isRange: boolean,
): boolean {
  if (!hasString(values)) return true;
  if (index.collation === 'simple') return queryCollation === 'simple';
  // Collation-aware keys are case/accent folded: good for equality, not for ordered ranges.
  return !isRange && index.collation === queryCollation;
}

/**
 * The bounds `index` can take from `lookup`. With `lockstep`, every constraint holds for one array
 * element (an `$elemMatch`), so a multikey compound index may be bounded on several fields.
 */
function buildChoice(
  index: IndexState,
  lookup: (field: string) => FieldConstraint | undefined,
  queryCollation: string,
  lockstep = false,
): IndexChoice | undefined {
  if (index.isText) return undefined;
  let prefixes = [''];
  let eqFields = 0;
  for (const field of index.fields) {
    // A multikey compound index pairs values per array element, while a filter without $elemMatch may
    // match fields from different elements: only the leading field's bounds are safe (as in mongod).
    if (index.multikey && eqFields >= 1 && !lockstep) break;
    const c = lookup(field);
    if (!c?.eq || !collationAllows(index, c.eq, queryCollation, false)) break;
    if (index.sparse && c.eq.some((v) => v === null)) break;
    if (prefixes.length * c.eq.length > MAX_KEY_RANGES) break;
    const encoded = [...new Set(c.eq.map((v) => index.encode(v)))];
    prefixes = prefixes.flatMap((p) => encoded.map((e) => (eqFields === 0 ? e : `${p}\x00${e}`)));
    eqFields += 1;
  }
  const rangeField = index.fields[eqFields];
  let rc = rangeField === undefined ? undefined : lookup(rangeField);
  // On an array, `$gt: 1, $lt: 5` may hold through two different elements (0 and 10): one bound only.
  if (rc && index.multikey && rc.lower && rc.upper) rc = { lower: rc.lower };
  const bounds = [rc?.lower?.value, rc?.upper?.value].filter((v) => v !== undefined);
  const hasRange =
    bounds.length > 0 &&
    !index.sparse &&
    !(index.multikey && eqFields >= 1 && !lockstep) &&
    collationAllows(index, bounds, queryCollation, true);
  if (eqFields === 0 && !hasRange) return undefined;
  const ranges: Array<[string, string]> = prefixes.map((p) => {
    const sep = eqFields === 0 ? '' : '\x00';
    if (!hasRange || !rc) return [`${p}\x00`, `${p}\x01`];
    const lo = rc.lower ? index.encode(rc.lower.value) : undefined;
    const hi = rc.upper ? index.encode(rc.upper.value) : undefined;
    // Type bracketing: `$gt: 5` only matches numbers, so an open side ends at the type boundary.
    const start = lo !== undefined ? `${lo}${rc.lower?.inclusive ? '' : '\x01'}` : (hi as string).charAt(0);
    const end = hi !== undefined ? `${hi}${rc.upper?.inclusive ? '\x01' : ''}` : nextTypeByte(lo as string);
    return [`${p}${sep}${start}`, `${p}${sep}${end}`];
  });
  const full = eqFields === index.fields.length;
  const score = eqFields * 2 + (hasRange ? 1 : 0) + (full && index.unique ? 100 : 0);
  return { index, eqFields, hasRange, ranges, score };
}

/** The best of the index's choices: from the top-level constraints, or from one `$elemMatch`. */
function bestChoiceFor(
  index: IndexState,
  constraints: Map<string, FieldConstraint>,
  groups: readonly ElementGroup[],
  queryCollation: string,
): IndexChoice | undefined {
  let best = buildChoice(index, (f) => constraints.get(f), queryCollation);
  for (const group of groups) {
    // The group bounds the leading fields that are direct fields of its element.
    const first = index.fields[0];
    if (first === undefined || !group.constraints.has(first)) continue;
    const inGroup = (f: string): boolean =>
      f.startsWith(`${group.path}.`) && !f.slice(group.path.length + 1).includes('.');
    const choice = buildChoice(
      index,
      (f) => (inGroup(f) ? group.constraints.get(f) : undefined),
      queryCollation,
      true,
    );
    if (choice && (!best || choice.score > best.score)) best = { ...choice, group };
  }
  return best;
}

/** Whether the planner may use `index` for `filter`: a partial index only when the filter implies it. */
function isEligible(index: IndexState, filter: Document, queryCollation: string): boolean {
  if (index.isText) return false;
  if (!index.isPartial) return true;
  return impliesPartialFilter(filter, index.partialFilter as Document, queryCollation === 'simple');
}

function* scanRanges(
  coll: Collection,
  index: IndexState,
  ranges: Array<[string, string]>,
  reverse: boolean,
): Generator<Document> {
  const seen = ranges.length > 1 || index.multikey ? new Set<string>() : undefined;
  const ordered = reverse ? [...ranges].reverse() : ranges;
  for (const [lo, hi] of ordered) {
    for (const entry of index.entries.range(lo, hi, reverse)) {
      const idKey = idKeyOfEntry(entry);
      if (seen) {
        if (seen.has(idKey)) continue;
        seen.add(idKey);
      }
      const doc = coll.docs.get(idKey);
      if (doc) yield doc;
    }
  }
}

/**
 * Whether scanning `choice` yields documents ordered by `sort`: the sort fields must be the index fields
 * right after the equality prefix, all in one direction (entries are stored ascending), and the index
 * must hold one key per document (not multikey, not sparse, no collation folding).
 */
function sortDirection(
  choice: { index: IndexState; eqFields: number; ranges: unknown[] },
  sort: Document | undefined,
): 1 | -1 | undefined {
  const { index } = choice;
  if (!sort || index.multikey || index.sparse || index.collation !== 'simple' || choice.ranges.length > 1)
    return undefined;
  const entries = Object.entries(sort);
  if (entries.length === 0) return undefined;
  let direction: 1 | -1 | undefined;
  for (let i = 0; i < entries.length; i++) {
    const [field, dir] = entries[i] as [string, unknown];
    if (index.fields[choice.eqFields + i] !== field) return undefined;
    const d =
      Number(typeof dir === 'object' && dir !== null ? (dir as { value?: unknown }).value : dir) < 0 ? -1 : 1;
    if (direction !== undefined && d !== direction) return undefined;
    direction = d;
  }
  return direction;
}

/** Values whose index key encoding is exactly MongoDB equality (no rounding, no collation, no null). */
function hasExactKey(v: unknown): boolean {
  if (typeof v === 'string' || typeof v === 'boolean' || v instanceof Date) return true;
  if (typeof v === 'number') return Number.isSafeInteger(v);
  const tag = bsonTypeOf(v);
  if (tag === 'ObjectId') return true;
  if (tag === 'Int32') return true;
  if (tag === 'Double') return Number.isSafeInteger((v as { value: number }).value);
  if (tag === 'Long') {
    const n = (v as { toNumber(): number }).toNumber();
    return Number.isSafeInteger(n);
  }
  return false;
}

/**
 * True when `filter` is only `{f: v}` / `{f: {$eq: v}}` / `{f: {$in: [v...]}}` over exactly `fields`,
 * with exact-key values and plain (non-positional) paths.
 */
function isExactEqualityFilter(filter: Document, fields: readonly string[]): boolean {
  const keys = Object.keys(filter);
  if (keys.length !== fields.length || !keys.every((k) => fields.includes(k))) return false;
  return keys.every((k) => {
    if (k.split('.').some((part) => /^\d+$/.test(part))) return false;
    const v: unknown = filter[k];
    if (hasExactKey(v)) return true;
    if (!isPlainDocument(v)) return false;
    const ops = Object.keys(v);
    if (ops.length !== 1) return false;
    if (ops[0] === '$eq') return hasExactKey(v.$eq);
    return ops[0] === '$in' && Array.isArray(v.$in) && v.$in.every(hasExactKey);
  });
}

/**
 * True when `filter` is only a date range on the leading field of a single-valued index the choice
 * scans: date keys encode the time exactly and the scan stops at the date type's end, so the range scan
 * yields exactly the matches (the report's `{'metrics.firstInboundAt': {$gte, $lt}}`).
 */
function isExactDateRange(filter: Document, choice: IndexChoice): boolean {
  const { index } = choice;
  if (choice.eqFields !== 0 || index.multikey || index.sparse) return false;
  const keys = Object.keys(filter);
  const field = index.fields[0];
  if (keys.length !== 1 || field === undefined || keys[0] !== field) return false;
  const cond: unknown = filter[field];
  if (!isPlainDocument(cond)) return false;
  const ops = Object.entries(cond);
  return (
    ops.length > 0 &&
    ops.length <= 2 &&
    ops.every(
      ([op, v]) =>
        ['$gt', '$gte', '$lt', '$lte'].includes(op) && v instanceof Date && !Number.isNaN(v.getTime()),
    ) &&
    new Set(ops.map(([op]) => op.slice(0, 3))).size === ops.length
  );
}

/**
 * For a choice bounded by an `$elemMatch` on every index field with single exact values (the contact
 * lookup `{'identities.channel': c, identities: {$elemMatch: {channel: c, externalId: e}}}`): a check
 * that makes the candidates exactly the matches. The lockstep keys of one element hold every pair of its
 * values, which is what the element's own conditions test; only "the path holds an array" is left
 * ($elemMatch never matches a plain document, the index keys one). Other top-level conditions must be
 * equalities the element's already imply.
 */
function elementVerifier(filter: Document, choice: IndexChoice): ((doc: Document) => boolean) | undefined {
  const { group, index } = choice;
  if (!group || group.path.includes('.') || choice.hasRange || choice.eqFields !== index.fields.length)
    return undefined;
  if (index.collation !== 'simple') return undefined;
  const em: unknown = (filter[group.path] as Document | undefined)?.$elemMatch;
  if (!isPlainDocument(em) || Object.keys(filter[group.path] as Document).length !== 1) return undefined;
  const inner = Object.entries(em);
  // The element's conditions are exactly the index fields, each one exact value.
  if (inner.length !== index.fields.length) return undefined;
  const values = new Map<string, unknown>();
  for (const [k, v] of inner) {
    if (!index.fields.includes(`${group.path}.${k}`) || typeof v !== 'string') return undefined;
    values.set(`${group.path}.${k}`, v);
  }
  for (const [key, v] of Object.entries(filter)) {
    if (key === group.path) continue;
    if (!values.has(key) || values.get(key) !== v) return undefined;
  }
  const path = group.path;
  return (doc) => Array.isArray(doc[path]);
}

/** Plans `filter` (with optional `sort`) over `coll`. */
export function planQuery(
  coll: Collection,
  filter: Document,
  sort?: Document,
  collation?: Document,
): QueryPlan {
  const constraints = extractConstraints(filter);
  const queryCollation = collationIdentity(collation);
  const idConstraint = constraints.get('_id');
  if (idConstraint?.eq && (queryCollation === 'simple' || !hasString(idConstraint.eq))) {
    const exact = isExactEqualityFilter(filter, ['_id']);
    const docs = [...new Set(idConstraint.eq.map(idKeyOf))]
      .map((k) => coll.docs.get(k))
      .filter((d) => d !== undefined);
    return { candidates: docs, sorted: docs.length <= 1, stage: 'IDHACK', exact };
  }
  const groups = extractElementGroups(filter);
  let best: IndexChoice | undefined;
  for (const index of coll.indexes.values()) {
    if (!isEligible(index, filter, queryCollation)) continue;
    const choice = bestChoiceFor(index, constraints, groups, queryCollation);
    if (choice && (!best || choice.score > best.score)) best = choice;
  }
  if (!best) {
    // No bounds, but a partial index the query implies holds every match: scan it whole when it is
    // smaller than the collection (`{openingKey: {$exists: true}}`).
    for (const index of coll.indexes.values()) {
      if (!index.isPartial || index.entries.size >= coll.docs.size) continue;
      if (best && index.entries.size >= best.index.entries.size) continue;
      if (!isEligible(index, filter, queryCollation)) continue;
      best = { index, eqFields: 0, hasRange: false, ranges: [['', '\uffff']], score: 0 };
    }
  }
  if (best) {
    const dir = sortDirection(best, sort);
    const verify = queryCollation === 'simple' ? elementVerifier(filter, best) : undefined;
    return {
      ...(verify ? { verify } : {}),
      candidates: scanRanges(coll, best.index, best.ranges, dir === -1),
      sorted: dir !== undefined,
      stage: 'IXSCAN',
      indexName: best.index.name,
      exact:
        best.index.collation === 'simple' &&
        queryCollation === 'simple' &&
        (best.hasRange
          ? isExactDateRange(filter, best)
          : isExactEqualityFilter(filter, best.index.fields.slice(0, best.eqFields))),
    };
  }
  // No usable constraint: an index can still provide the sort order (paging through a whole collection).
  for (const index of coll.indexes.values()) {
    if (!isEligible(index, filter, queryCollation)) continue;
    const dir = sortDirection({ index, eqFields: 0, ranges: [] }, sort);
    if (dir !== undefined) {
      return {
        candidates: scanRanges(coll, index, [['', '\uffff']], dir === -1),
        sorted: true,
        stage: 'IXSCAN',
        indexName: index.name,
      };
    }
  }
  return { candidates: coll.docs.values(), sorted: false, stage: 'COLLSCAN' };
}
