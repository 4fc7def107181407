/**
 * Exact numeric comparison and type-preserving arithmetic over BSON numbers. MongoDB compares int, long,
 * double and decimal by value and keeps the "widest" type when it computes ($inc, $mul): int < long <
 * double < decimal, with int overflow promoted to long and long overflow refused.
 */
import { Decimal128, Double, Int32, Long } from 'bson';
import { bsonTag, numberOf } from './bson-types.js';

/** A finite decimal as coefficient × 10^exponent, so decimals compare and add exactly. */
interface Dec {
  coef: bigint;
  exp: number;
}

/** An exact numeric value: JS numbers for int/double (and NaN/±Infinity), bigint for longs, Dec for decimals. */
export type ExactNumber = number | bigint | Dec;

/** The numeric kinds MongoDB computes with, in widening order. */
export type NumericKind = 'int' | 'long' | 'double' | 'decimal';
const KIND_RANK: Record<NumericKind, number> = { int: 0, long: 1, double: 2, decimal: 3 };

const DEC_PATTERN = /^([+-]?)(\d+)(?:\.(\d*))?(?:E([+-]?\d+))?$/i;

function parseDec(text: string): ExactNumber {
  const m = DEC_PATTERN.exec(text);
  if (!m) return Number(text); // NaN, Infinity, -Infinity
  const [, sign = '', int = '0', frac = '', exp = '0'] = m;
  const coef = BigInt(int + frac) * (sign === '-' ? -1n : 1n);
  return { coef, exp: Number(exp) - frac.length };
}

function isDec(v: ExactNumber): v is Dec {
  return typeof v === 'object';
}

/** The numeric kind of a BSON number, or undefined for a non-number. */
export function numericKind(v: unknown): NumericKind | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? 'int' : 'double';
  if (typeof v === 'bigint') return 'long';
  switch (bsonTag(v)) {
    case 'Int32':
      return 'int';
    case 'Double':
      return 'double';
    case 'Long':
      return 'long';
    case 'Decimal128':
      return 'decimal';
    default:
      return undefined;
  }
}

/** The exact value of a BSON number (undefined for a non-number). */
export function exactNumber(v: unknown): ExactNumber | undefined {
  if (typeof v === 'bigint') return v;
  const tag = bsonTag(v);
  if (tag === 'Long') return (v as Long).toBigInt();
  if (tag === 'Decimal128') return parseDec((v as Decimal128).toString());
  return numberOf(v);
}

function toDec(v: ExactNumber): Dec | number {
  if (isDec(v)) return v;
  if (typeof v === 'bigint') return { coef: v, exp: 0 };
  if (!Number.isFinite(v)) return v;
  // A double's shortest round-trip decimal string is what MongoDB users see and write.
  const parsed = parseDec(String(v).replace('e', 'E'));
  return isDec(parsed) ? parsed : v;
}

function alignedCoefficients(a: Dec, b: Dec): [bigint, bigint, number] {
  const exp = Math.min(a.exp, b.exp);
  return [a.coef * 10n ** BigInt(a.exp - exp), b.coef * 10n ** BigInt(b.exp - exp), exp];
}

/** Compares two exact numbers by value; NaN equals NaN and sorts below every other number, as in MongoDB. */
export function compareExact(a: ExactNumber, b: ExactNumber): number {
  const aNaN = typeof a === 'number' && Number.isNaN(a);
  const bNaN = typeof b === 'number' && Number.isNaN(b);
  if (aNaN || bNaN) return aNaN && bNaN ? 0 : aNaN ? -1 : 1;
  if (!isDec(a) && !isDec(b)) return a < b ? -1 : a > b ? 1 : 0; // bigint/number mixes compare exactly
  const da = toDec(a);
  const db = toDec(b);
  if (typeof da === 'number' || typeof db === 'number') {
    const x = typeof da === 'number' ? da : 0;
    const y = typeof db === 'number' ? db : 0;
    return x < y ? -1 : x > y ? 1 : 0; // one side is ±Infinity
  }
  const [x, y] = alignedCoefficients(da, db);
  return x < y ? -1 : x > y ? 1 : 0;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function widerKind(a: NumericKind, b: NumericKind): NumericKind {
  return KIND_RANK[a] >= KIND_RANK[b] ? a : b;
}

function decOp(a: ExactNumber, b: ExactNumber, op: 'add' | 'mul'): Decimal128 {
  const da = toDec(a);
  const db = toDec(b);
  if (typeof da === 'number' || typeof db === 'number') {
    const x = typeof da === 'number' ? da : Number(`${da.coef}E${da.exp}`);
    const y = typeof db === 'number' ? db : Number(`${db.coef}E${db.exp}`);
    return Decimal128.fromStringWithRounding(String(op === 'add' ? x + y : x * y));
  }
  if (op === 'mul') return Decimal128.fromStringWithRounding(`${da.coef * db.coef}E${da.exp + db.exp}`);
  const [x, y, exp] = alignedCoefficients(da, db);
  return Decimal128.fromStringWithRounding(`${x + y}E${exp}`);
}

/**
 * Adds or multiplies two BSON numbers with MongoDB's result type: the wider operand type, an int32
 * overflow promoted to long. Returns undefined when a long result overflows (MongoDB refuses it).
 */
export function arithmetic(a: unknown, b: unknown, op: 'add' | 'mul'): unknown {
  const ka = numericKind(a);
  const kb = numericKind(b);
  const xa = exactNumber(a);
  const xb = exactNumber(b);
  if (!ka || !kb || xa === undefined || xb === undefined) return undefined;
  const kind = widerKind(ka, kb);
  if (kind === 'decimal') return decOp(xa, xb, op);
  if (kind === 'double') {
    const x = numberOf(a) ?? NaN;
    const y = numberOf(b) ?? NaN;
    return new Double(op === 'add' ? x + y : x * y);
  }
  const x = BigInt(xa as number | bigint);
  const y = BigInt(xb as number | bigint);
  const r = op === 'add' ? x + y : x * y;
  if (kind === 'int' && r >= -(2n ** 31n) && r < 2n ** 31n) return new Int32(Number(r));
  if (r < INT64_MIN || r > INT64_MAX) return undefined;
  return Long.fromBigInt(r);
}

/** A zero of the given value's numeric type (what `$mul` writes into a missing field). */
export function zeroLike(v: unknown): unknown {
  switch (numericKind(v)) {
    case 'long':
      return Long.fromInt(0);
    case 'double':
      return new Double(0);
    case 'decimal':
      return Decimal128.fromString('0');
    default:
      return new Int32(0);
  }
}

/** Wraps a plain JS number the way the `bson` serializer would store it (int32 when it fits). */
export function toBsonNumber(n: number): Int32 | Double {
  return numericKind(n) === 'int' && !Object.is(n, -0) ? new Int32(n) : new Double(n);
}
