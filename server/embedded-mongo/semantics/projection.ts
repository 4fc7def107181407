/**
 * Find projections with MongoDB's output shape: `_id` first, then fields in stored order; inclusion
 * or exclusion (never both, except `_id`); nested paths through embedded documents and arrays;
 * `$slice` and `$elemMatch` combining with either mode; aggregation expressions as computed fields.
 */
import type { Document } from 'bson';
import { evalExpr } from 'mingo/core';
import type { Options } from 'mingo/types';
import { isNumeric, isPlainDocument, numberOf, isArray } from './bson-types.js';
import { compileFilter } from './filter.js';
import { fail } from './fail.js';
import { engineContext, rethrowAsEngineError } from './mingo-context.js';
import { assertSafePipeline } from './reserved-names.js';
import { fromMingo, toMingo } from './normalize.js';
import { elementFilter } from './update-positional.js';

type Transform = (value: unknown) => unknown; // returns undefined to drop the field
type Leaf =
  | { kind: 'include' }
  | { kind: 'exclude' }
  | { kind: 'transform'; apply: Transform }
  | { kind: 'computed'; expr: unknown };
interface Tree {
  [field: string]: Tree | Leaf;
}
// A subtree node named "kind" holds an object, a leaf's kind is a string.
const isLeaf = (n: Tree | Leaf): n is Leaf => typeof n.kind === 'string';

function sliceTransform(arg: unknown): Transform {
  const parts = isArray(arg) ? arg.map(numberOf) : [numberOf(arg)];
  if (parts.some((p) => p === undefined || !Number.isInteger(p)) || parts.length > 2) {
    throw fail('BadValue', '$slice only supports numbers and [skip, limit] arrays');
  }
  return (v) => {
    if (!isArray(v)) return v;
    if (parts.length === 1) {
      const n = parts[0] as number;
      return n >= 0 ? v.slice(0, n) : v.slice(Math.max(0, v.length + n));
    }
    const [skip, limit] = parts as [number, number];
    if (limit <= 0) throw fail('BadValue', '$slice limit must be positive');
    const start = skip >= 0 ? Math.min(skip, v.length) : Math.max(0, v.length + skip);
    return v.slice(start, start + limit);
  };
}

function elemMatchTransform(cond: unknown): Transform {
  if (!isPlainDocument(cond)) throw fail('BadValue', '$elemMatch needs an Object');
  const test = compileFilter({ x: { $elemMatch: cond } });
  return (v) => {
    if (!isArray(v)) return undefined;
    const hit = v.find((el) => test({ x: [el] }));
    return hit === undefined ? undefined : [hit];
  };
}

function classify(path: string, value: unknown): Leaf {
  if (isPlainDocument(value)) {
    if ('$slice' in value) return { kind: 'transform', apply: sliceTransform(value.$slice) };
    if ('$elemMatch' in value) {
      if (path.includes('.'))
        throw fail('BadValue', `Cannot use $elemMatch projection on a nested field: ${path}`);
      return { kind: 'transform', apply: elemMatchTransform(value.$elemMatch) };
    }
    if ('$meta' in value) return { kind: 'transform', apply: () => undefined };
    return { kind: 'computed', expr: value };
  }
  if (typeof value === 'boolean' || isNumeric(value))
    return { kind: numberOf(value) === 0 || value === false ? 'exclude' : 'include' };
  return { kind: 'computed', expr: value };
}

interface Parsed {
  tree: Tree;
  inclusion: boolean;
  includeId: boolean;
}

function positionalTransform(filter: Document | undefined, path: string): Leaf {
  const sub = filter ? elementFilter(filter, path) : {};
  if (Object.keys(sub).length === 0) return { kind: 'include' }; // no query on the array: keep it whole
  const test = compileFilter(sub);
  return {
    kind: 'transform',
    apply: (v) => {
      if (!isArray(v)) return v;
      const hit = v.find((el) => test({ e: el }));
      return hit === undefined ? undefined : [hit];
    },
  };
}

function parse(projection: Document, filter: Document | undefined): Parsed {
  const tree: Tree = {};
  let mode: 'include' | 'exclude' | undefined;
  let includeId = true;
  for (const [rawPath, value] of Object.entries(projection) as [string, unknown][]) {
    const positional = rawPath.endsWith('.$');
    const path = positional ? rawPath.slice(0, -2) : rawPath;
    const leaf = positional ? positionalTransform(filter, path) : classify(path, value);
    if (path === '_id' && (leaf.kind === 'include' || leaf.kind === 'exclude')) {
      includeId = leaf.kind === 'include';
      continue;
    }
    const kind =
      leaf.kind === 'computed' || positional ? 'include' : leaf.kind === 'transform' ? undefined : leaf.kind;
    if (kind && mode && kind !== mode) {
      throw kind === 'exclude'
        ? fail('Location31254', `Cannot do exclusion on field ${path} in inclusion projection`)
        : fail('Location31253', `Cannot do inclusion on field ${path} in exclusion projection`);
    }
    mode ??= kind;
    insert(tree, path.split('.'), leaf, path);
  }
  return { tree, inclusion: mode === 'include', includeId };
}

function insert(tree: Tree, parts: string[], leaf: Leaf, path: string): void {
  let node = tree;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i] as string;
    const next = node[part];
    if (next && isLeaf(next))
      throw fail(
        'Location31250',
        `Path collision at ${path} remaining portion ${parts.slice(i + 1).join('.')}`,
      );
    node = next ?? (node[part] = {});
  }
  const last = parts[parts.length - 1] as string;
  if (node[last]) throw fail('Location31250', `Path collision at ${path}`);
  node[last] = leaf;
}

function includeSubtree(value: unknown, tree: Tree, root: Document): unknown {
  if (isArray(value))
    return value.map((el) => includeSubtree(el, tree, root)).filter((el) => el !== undefined);
  if (!isPlainDocument(value)) return undefined;
  return projectInclusion(value, tree, root);
}

function projectInclusion(doc: Document, tree: Tree, root: Document): Document {
  const out: Document = {};
  for (const [key, value] of Object.entries(doc) as [string, unknown][]) {
    const node = tree[key];
    if (!node) continue;
    if (!isLeaf(node)) {
      const sub = includeSubtree(value, node, root);
      if (sub !== undefined) out[key] = sub;
    } else if (node.kind === 'include') out[key] = value;
    else if (node.kind === 'transform') {
      const v = node.apply(value);
      if (v !== undefined) out[key] = v;
    }
  }
  for (const [key, node] of Object.entries(tree)) {
    if (isLeaf(node) && node.kind === 'computed') out[key] = computeField(root, node.expr);
  }
  return out;
}

function computeField(root: Document, expr: unknown): unknown {
  const value = rethrowAsEngineError(() =>
    evalExpr(toMingo(root), toMingo(expr), { context: engineContext() } as Options),
  );
  return fromMingo(value);
}

function projectExclusion(value: unknown, tree: Tree): unknown {
  if (isArray(value)) return value.map((el) => projectExclusion(el, tree));
  if (!isPlainDocument(value)) return value;
  const out: Document = {};
  for (const [key, v] of Object.entries<unknown>(value)) {
    const node = tree[key];
    if (!node) out[key] = v;
    else if (!isLeaf(node)) out[key] = projectExclusion(v, node);
    else if (node.kind === 'transform') {
      const t = node.apply(v);
      if (t !== undefined) out[key] = t;
    }
  }
  return out;
}

/** Options of {@link projectDocument}. */
export interface ProjectionOptions {
  /** The find filter; the positional projection `'arr.$': 1` keeps the first element it matched. */
  filter?: Document;
}

/**
 * Applies a find projection to a stored document and returns a new document.
 * @throws EngineError 31254/31253 when inclusion and exclusion are mixed, 31250 on path collisions.
 */
export function projectDocument(doc: Document, projection: Document, opts: ProjectionOptions = {}): Document {
  assertSafePipeline(projection);
  const { tree, inclusion, includeId } = parse(projection, opts.filter);
  if (!inclusion) {
    const out = projectExclusion(doc, tree) as Document;
    if (!includeId) delete out._id;
    return out;
  }
  const body = projectInclusion(doc, tree, doc);
  delete body._id;
  const id: unknown = doc._id;
  return includeId && id !== undefined ? { _id: id, ...body } : body;
}
