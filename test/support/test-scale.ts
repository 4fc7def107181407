/**
 * Load sizes of the few tests whose property is about a volume (imports, tiers): the defaults prove the
 * property in seconds; `TEST_SCALE=10` runs them at the sizes the issues name (10,000 rows or orders), e.g.
 * `TEST_SCALE=10 npx mocha test/integration/imports.test.ts`. Rates belong to bench/, not here.
 */
const raw = process.env.TEST_SCALE;
const SCALE = raw === undefined || raw === '' ? 1 : Number(raw);
if (!Number.isFinite(SCALE) || SCALE <= 0) throw new Error(`TEST_SCALE must be a positive number: ${raw}`);

/** `base × TEST_SCALE`, rounded to a multiple of `step` (so that "every 20th row" keeps whole counts). */
export function scaled(base: number, step = 1): number {
  return Math.max(step, Math.round((base * SCALE) / step) * step);
}
