/**
 * Resolution of positional update paths: `$` (the first array element the query matched) and
 * `$[<identifier>]` (elements passing the named array filter).
 */
import type { Document } from 'bson';
import { isPlainDocument, isArray } from './bson-types.js';
import { compileFilter } from './filter.js';
import { fail } from './fail.js';
import type { PositionalResolver } from './update-paths.js';

/** A positional resolver that also checks every array filter was used, as MongoDB requires. */
export interface CheckedResolver extends PositionalResolver {
  assertAllFiltersUsed(): void;
}

function compileArrayFilters(arrayFilters: Document[]): Map<string, (el: unknown) => boolean> {
  const byId = new Map<string, (el: unknown) => boolean>();
  for (const filter of arrayFilters) {
    const ids = new Set(Object.keys(filter).map((k) => k.split('.')[0] ?? k));
    const [id] = [...ids];
    if (ids.size !== 1 || id === undefined || id.startsWith('$')) {
      throw fail(
        'FailedToParse',
        `Error parsing array filter :: caused by :: Expected a single top-level field name, found ${[...ids].join(', ')}`,
      );
    }
    if (byId.has(id))
      throw fail('FailedToParse', `Found multiple array filters with the same top-level field name ${id}`);
    const test = compileFilter(filter);
    byId.set(id, (el) => test({ [id]: el }));
  }
  return byId;
}

/** Conditions of the query on the array at `arrayPath`, rewritten to apply to one element `e`. */
export function elementFilter(filter: Document, arrayPath: string): Document {
  const out: Document[] = [];
  const visit = (f: Document): void => {
    for (const [key, cond] of Object.entries(f) as [string, unknown][]) {
      if (key === '$and' && isArray(cond)) cond.forEach((c) => visit(c as Document));
      else if (key === arrayPath) {
        const elemMatch = isPlainDocument(cond) ? cond.$elemMatch : undefined;
        if (isPlainDocument(elemMatch)) {
          const operatorForm = Object.keys(elemMatch).every((k) => k.startsWith('$'));
          out.push(
            operatorForm
              ? { e: elemMatch }
              : Object.fromEntries(Object.entries(elemMatch).map(([k, v]) => [`e.${k}`, v])),
          );
        } else out.push({ e: cond });
      } else if (key.startsWith(`${arrayPath}.`))
        out.push({ [`e.${key.slice(arrayPath.length + 1)}`]: cond });
    }
  };
  visit(filter);
  return out.length === 0 ? {} : { $and: out };
}

/** Builds the resolver for one update. */
export function makePositionalResolver(
  filter: Document | undefined,
  arrayFilters: Document[],
  paths: string[],
): CheckedResolver {
  const filters = compileArrayFilters(arrayFilters);
  const used = new Set<string>();
  for (const path of paths) {
    for (const m of path.matchAll(/\$\[([^\]]+)\]/g)) {
      const id = m[1] as string;
      if (!filters.has(id))
        throw fail('BadValue', `No array filter found for identifier '${id}' in path '${path}'`);
      used.add(id);
    }
  }
  return {
    queryMatch(arrayPath, array) {
      const sub = filter ? elementFilter(filter, arrayPath.join('.')) : undefined;
      if (sub && Object.keys(sub).length > 0) {
        const test = compileFilter(sub);
        const index = array.findIndex((el) => test({ e: el }));
        if (index >= 0) return index;
      }
      throw fail('BadValue', 'The positional operator did not find the match needed from the query.');
    },
    arrayFilter(id, element) {
      const test = filters.get(id);
      if (!test) throw fail('BadValue', `No array filter found for identifier '${id}'`);
      return test(element);
    },
    assertAllFiltersUsed() {
      for (const id of filters.keys()) {
        if (!used.has(id))
          throw fail(
            'FailedToParse',
            `The array filter for identifier '${id}' was not used in the update { }`,
          );
      }
    },
  };
}
