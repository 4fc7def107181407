/**
 * The array update operators: $push (with $each, $position, $sort, $slice), $addToSet (with $each),
 * $pop, $pull (values or conditions, including $or/$and on element documents) and $pullAll. Unlike
 * mingo, a non-array target is an error, as in MongoDB.
 */
import type { Document } from 'bson';
import { bsonTypeOf, isPlainDocument, numberOf, isArray } from './bson-types.js';
import { compareBson } from './bson-compare.js';
import { compileFilter } from './filter.js';
import { fail, show } from './fail.js';
import { sortDocuments } from './sort.js';
import { copyValue, getAt, setAt } from './update-paths.js';
import type { ApplyContext, FieldOperator } from './update-operators.js';

const describeId = (id: unknown): string => (id === undefined ? 'no id' : `_id: ${show(id)}`);

function targetArray(
  doc: Document,
  parts: string[],
  onNonArray: (type: string) => Error,
): unknown[] | undefined {
  const current = getAt(doc, parts);
  if (current === undefined) return undefined;
  if (!isArray(current)) throw onNonArray(bsonTypeOf(current));
  return current;
}

function integerArg(v: unknown, what: string): number {
  const n = numberOf(v);
  if (n === undefined || !Number.isInteger(n))
    throw fail('BadValue', `The value for ${what} must be an integer value but found ${String(v)}`);
  return n;
}

function sortElements(values: unknown[], spec: unknown): unknown[] {
  if (isPlainDocument(spec)) {
    // A sort document orders embedded documents by their fields; other elements sort as missing.
    return sortDocuments(values, spec);
  }
  const dir = numberOf(spec);
  if (dir !== 1 && dir !== -1)
    throw fail(
      'BadValue',
      'The $sort is invalid: use 1/-1 to sort the whole element, or {field:1/-1} to sort embedded fields',
    );
  return values.slice().sort((a, b) => dir * compareBson(a, b));
}

const push: FieldOperator = (doc, parts, arg, ctx) => {
  const current =
    targetArray(doc, parts, (type) =>
      fail(
        'BadValue',
        `The field '${parts.join('.')}' must be an array but is of type ${type} in document {${describeId(ctx.id)}}`,
      ),
    ) ?? [];
  const modifiers = isPlainDocument(arg) && '$each' in arg ? arg : undefined;
  if (!modifiers) {
    setAt(doc, parts, [...current, copyValue(arg)]);
    return;
  }
  for (const key of Object.keys(modifiers)) {
    if (!['$each', '$position', '$slice', '$sort'].includes(key))
      throw fail('BadValue', `Unrecognized clause in $push: ${key}`);
  }
  if (!isArray(modifiers.$each))
    throw fail(
      'BadValue',
      `The argument to $each in $push must be an array but it was of type: ${bsonTypeOf(modifiers.$each)}`,
    );
  const each = modifiers.$each.map(copyValue);
  let result = current.slice();
  if (modifiers.$position !== undefined) {
    let pos = integerArg(modifiers.$position, '$position');
    if (pos < 0) pos = Math.max(0, result.length + pos);
    result.splice(Math.min(pos, result.length), 0, ...each);
  } else result.push(...each);
  if (modifiers.$sort !== undefined) result = sortElements(result, modifiers.$sort);
  if (modifiers.$slice !== undefined) {
    const n = integerArg(modifiers.$slice, '$slice');
    result = n >= 0 ? result.slice(0, n) : result.slice(Math.max(0, result.length + n));
  }
  setAt(doc, parts, result);
};

const addToSet: FieldOperator = (doc, parts, arg) => {
  const current =
    targetArray(doc, parts, (type) =>
      fail(
        'BadValue',
        `Cannot apply $addToSet to non-array field. Field named '${parts[parts.length - 1] ?? ''}' has non-array type ${type}`,
      ),
    ) ?? [];
  let values: unknown[] = [arg];
  if (isPlainDocument(arg) && '$each' in arg) {
    if (!isArray(arg.$each))
      throw fail(
        'TypeMismatch',
        `The argument to $each in $addToSet must be an array but it was of type ${bsonTypeOf(arg.$each)}`,
      );
    values = arg.$each;
  }
  const result = current.slice();
  for (const v of values) if (!result.some((x) => compareBson(x, v) === 0)) result.push(copyValue(v));
  setAt(doc, parts, result);
};

const pop: FieldOperator = (doc, parts, arg) => {
  const dir = numberOf(arg);
  if (dir !== 1 && dir !== -1) throw fail('FailedToParse', `$pop expects 1 or -1, found: ${String(arg)}`);
  const current = targetArray(doc, parts, (type) =>
    fail('TypeMismatch', `Path '${parts.join('.')}' contains an element of non-array type '${type}'`),
  );
  if (!current || current.length === 0) return;
  setAt(doc, parts, dir === 1 ? current.slice(0, -1) : current.slice(1));
};

/** Builds the element matcher of a $pull condition, as MongoDB reads it. */
function pullMatcher(cond: unknown): (el: unknown) => boolean {
  if (isPlainDocument(cond)) {
    const keys = Object.keys(cond);
    const valueOperators =
      keys.length > 0 &&
      keys.every((k) => k.startsWith('$') && !['$and', '$or', '$nor', '$expr'].includes(k));
    if (valueOperators) {
      // {$gte: 6}, {$in: [...]}: a condition on the element itself.
      const test = compileFilter({ v: cond });
      return (el) => test({ v: el });
    }
    // {score: 8, $or: [...]}: a query on element documents; other elements never match.
    const test = compileFilter(cond);
    return (el) => isPlainDocument(el) && test(el);
  }
  return (el) => compareBson(el, cond) === 0;
}

const pull: FieldOperator = (doc, parts, arg) => {
  const current = targetArray(doc, parts, () => fail('BadValue', 'Cannot apply $pull to a non-array value'));
  if (!current) return;
  const matches = pullMatcher(arg);
  setAt(
    doc,
    parts,
    current.filter((el) => !matches(el)),
  );
};

const pullAll: FieldOperator = (doc, parts, arg) => {
  if (!isArray(arg))
    throw fail('BadValue', `$pullAll requires an array argument but was given a ${bsonTypeOf(arg)}`);
  const current = targetArray(doc, parts, () => fail('BadValue', 'Cannot apply $pull to a non-array value'));
  if (!current) return;
  setAt(
    doc,
    parts,
    current.filter((el) => !arg.some((v) => compareBson(el, v) === 0)),
  );
};

/** The array field operators, by name. */
export const arrayOperators: Record<string, FieldOperator> = {
  $push: push,
  $addToSet: addToSet,
  $pop: pop,
  $pull: pull,
  $pullAll: pullAll,
};

export type { ApplyContext };
