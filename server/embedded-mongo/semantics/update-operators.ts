/**
 * The field update operators that act on one value: $set, $setOnInsert, $unset, $inc, $mul, $min,
 * $max, $currentDate, $rename, $bit. Each works on a private copy of the document (see update.ts) and
 * keeps BSON numeric types as MongoDB does.
 */
import { Int32, Long, Timestamp, type Document } from 'bson';
import { bsonTypeOf, isPlainDocument, numberOf, isArray } from './bson-types.js';
import { compareBson } from './bson-compare.js';
import { arithmetic, numericKind, zeroLike } from './numeric.js';
import { fail, show } from './fail.js';
import { copyValue, getAt, setAt, unsetAt } from './update-paths.js';

/** What an operator needs besides the path and its argument. */
export interface ApplyContext {
  /** The document's _id, for error messages. */
  id: unknown;
  /** One clock reading per update, so every $currentDate of an update agrees. */
  now: Date;
}

/** Applies one operator to one concrete path of the working copy. */
export type FieldOperator = (doc: Document, parts: string[], arg: unknown, ctx: ApplyContext) => void;

const describeId = (id: unknown): string => (id === undefined ? 'no id' : `_id: ${show(id)}`);

function arithmeticOp(name: '$inc' | '$mul', op: 'add' | 'mul'): FieldOperator {
  const verb = op === 'add' ? 'increment' : 'multiply';
  return (doc, parts, arg, ctx) => {
    const path = parts.join('.');
    if (!numericKind(arg)) {
      throw fail(
        'TypeMismatch',
        `Cannot ${verb} with non-numeric argument: {${path}: ${JSON.stringify(arg)}}`,
      );
    }
    const current = getAt(doc, parts);
    if (current === undefined) {
      setAt(doc, parts, op === 'add' ? arg : zeroLike(arg));
      return;
    }
    if (!numericKind(current)) {
      throw fail(
        'TypeMismatch',
        `Cannot apply ${name} to a value of non-numeric type. {${describeId(ctx.id)}} has the field '${parts[parts.length - 1] ?? ''}' of non-numeric type ${bsonTypeOf(current)}`,
      );
    }
    const result = arithmetic(current, arg, op);
    if (result === undefined) {
      throw fail(
        'BadValue',
        `Failed to apply ${name} operations to current value (${show(current)}) for document {${describeId(ctx.id)}}`,
      );
    }
    setAt(doc, parts, result);
  };
}

function minMax(keepIfNew: (c: number) => boolean): FieldOperator {
  return (doc, parts, arg) => {
    const current = getAt(doc, parts);
    if (current === undefined || keepIfNew(compareBson(arg, current))) setAt(doc, parts, copyValue(arg));
  };
}

const currentDate: FieldOperator = (doc, parts, arg, ctx) => {
  if (arg === true || (isPlainDocument(arg) && arg.$type === 'date')) {
    setAt(doc, parts, new Date(ctx.now.getTime()));
  } else if (isPlainDocument(arg) && arg.$type === 'timestamp') {
    setAt(doc, parts, new Timestamp({ t: Math.floor(ctx.now.getTime() / 1000), i: 1 }));
  } else if (arg === false) {
    setAt(doc, parts, new Date(ctx.now.getTime()));
  } else {
    throw fail(
      'BadValue',
      `${JSON.stringify(arg)} is not valid type for $currentDate. Please use a boolean ('true') or a $type expression ({$type: 'timestamp/date'}).`,
    );
  }
};

const rename: FieldOperator = (doc, parts, arg) => {
  if (typeof arg !== 'string')
    throw fail('BadValue', `The 'to' field for $rename must be a string: ${parts.join('.')}: ${String(arg)}`);
  const target = arg.split('.');
  if (arg === parts.join('.'))
    throw fail('BadValue', `The source and target field for $rename must differ: ${arg}`);
  // $rename moves whole fields; MongoDB refuses paths that go through an array.
  for (const p of [parts, target]) {
    for (let i = 1; i < p.length; i++) {
      if (isArray(getAt(doc, p.slice(0, i)))) {
        throw fail(
          'BadValue',
          `The source and destination fields of $rename cannot be array elements: '${p.join('.')}' in doc with {${describeId(doc._id)}}`,
        );
      }
    }
  }
  const value = getAt(doc, parts);
  if (value === undefined) return;
  unsetAt(doc, parts);
  setAt(doc, target, value);
};

const bit: FieldOperator = (doc, parts, arg) => {
  if (!isPlainDocument(arg))
    throw fail(
      'BadValue',
      `The $bit modifier is not compatible with a ${bsonTypeOf(arg)}. You must pass in an embedded document: {$bit: {field: {and/or/xor: #}}`,
    );
  let current = getAt(doc, parts) ?? new Int32(0);
  for (const [op, operand] of Object.entries(arg)) {
    const kinds = [numericKind(current), numericKind(operand)];
    if (kinds.some((k) => k !== 'int' && k !== 'long')) {
      throw fail(
        'BadValue',
        `The $bit modifier field must be an Integer(32/64 bit); a '${bsonTypeOf(operand)}' is not supported here`,
      );
    }
    const x = BigInt.asIntN(64, BigInt(numberOf(current) ?? 0));
    const y = BigInt.asIntN(64, BigInt(numberOf(operand) ?? 0));
    const r = op === 'and' ? x & y : op === 'or' ? x | y : op === 'xor' ? x ^ y : undefined;
    if (r === undefined)
      throw fail('BadValue', `The $bit modifier only supports 'and', 'or', and 'xor', not '${op}'`);
    current = kinds.includes('long') ? Long.fromBigInt(r) : new Int32(Number(BigInt.asIntN(32, r)));
  }
  setAt(doc, parts, current);
};

/** The scalar field operators, by name. */
export const fieldOperators: Record<string, FieldOperator> = {
  $set: (doc, parts, arg) => setAt(doc, parts, copyValue(arg)),
  $setOnInsert: (doc, parts, arg) => setAt(doc, parts, copyValue(arg)),
  $unset: (doc, parts) => {
    unsetAt(doc, parts);
  },
  $inc: arithmeticOp('$inc', 'add'),
  $mul: arithmeticOp('$mul', 'mul'),
  $min: minMax((c) => c < 0),
  $max: minMax((c) => c > 0),
  $currentDate: currentDate,
  $rename: rename,
  $bit: bit,
};
