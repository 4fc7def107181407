/**
 * MongoDB collations mapped onto Intl.Collator. MongoDB spells locales ICU-style (`en_US`), which
 * Intl rejects, so they are normalised to BCP-47 (`en-US`) first; `simple` means binary comparison.
 */
import type { Document } from 'bson';
import { numberOf } from './bson-types.js';

/** A string comparator; `undefined` stands for MongoDB's binary ("simple") comparison. */
export type StringComparator = ((a: string, b: string) => number) | undefined;

/** The collation fields mingo understands, with the locale already in BCP-47 form. */
export interface NormalizedCollation {
  locale: string;
  strength?: 1 | 2 | 3;
  caseLevel?: boolean;
  caseFirst?: 'upper' | 'lower' | 'off';
  numericOrdering?: boolean;
  alternate?: string;
}

/** `en_US` → `en-US`; ICU keywords (`de@collation=phonebook`) are dropped as Intl has no equivalent. */
export function normalizeLocale(locale: string): string {
  const base = locale.split('@')[0] ?? locale;
  return base.replace(/_/g, '-');
}

/** Normalises a collation document, or returns undefined for none / `simple`. */
export function normalizeCollation(collation: Document | undefined): NormalizedCollation | undefined {
  if (!collation || typeof collation.locale !== 'string' || collation.locale === 'simple') return undefined;
  const strength = numberOf(collation.strength);
  const out: NormalizedCollation = { locale: normalizeLocale(collation.locale) };
  // Strengths 4 and 5 (quaternary, identical) only refine ties Intl cannot express; 3 is the closest.
  if (strength !== undefined) out.strength = strength <= 1 ? 1 : strength === 2 ? 2 : 3;
  if (typeof collation.caseLevel === 'boolean') out.caseLevel = collation.caseLevel;
  if (collation.caseFirst === 'upper' || collation.caseFirst === 'lower' || collation.caseFirst === 'off') {
    out.caseFirst = collation.caseFirst as 'upper' | 'lower' | 'off';
  }
  if (typeof collation.numericOrdering === 'boolean') out.numericOrdering = collation.numericOrdering;
  if (typeof collation.alternate === 'string') out.alternate = collation.alternate;
  return out;
}

const SENSITIVITY = { 1: 'base', 2: 'accent', 3: 'variant' } as const;
const cache = new Map<string, StringComparator>();

/** Builds (and caches) the string comparator for a collation document. */
export function collationComparator(collation: Document | undefined): StringComparator {
  const spec = normalizeCollation(collation);
  if (!spec) return undefined;
  const key = JSON.stringify(spec);
  if (cache.has(key)) return cache.get(key);
  let sensitivity: Intl.CollatorOptions['sensitivity'] = SENSITIVITY[spec.strength ?? 3];
  if (spec.caseLevel === true) sensitivity = sensitivity === 'base' ? 'case' : 'variant';
  let collator: Intl.Collator;
  try {
    collator = new Intl.Collator(spec.locale, {
      sensitivity,
      caseFirst: spec.caseFirst === 'off' ? 'false' : spec.caseFirst,
      numeric: spec.numericOrdering ?? false,
      ignorePunctuation: spec.alternate === 'shifted',
    });
  } catch {
    collator = new Intl.Collator('en', { sensitivity });
  }
  const cmp = (a: string, b: string): number => collator.compare(a, b);
  cache.set(key, cmp);
  return cmp;
}
