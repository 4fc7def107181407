/**
 * Template validation (pure): Handlebars syntax errors and unknown variables, each with its position
 * (1-based line and column), so an admin sees where the problem is before anything reaches a customer.
 *
 * A variable is the first segment of a path read from the root context (`{{contactName}}`,
 * `{{formatDateTime dueAt}}` reads `dueAt`). Paths inside `#each` / `#with` blocks read a nested
 * context and are not checked; `@data` and `this` are never variables.
 */
import Handlebars from 'handlebars';

/** Helpers the renderer registers (and Handlebars' built-ins): names, not variables. */
export const TEMPLATE_HELPERS = new Set([
  'formatDateTime',
  'formatDate',
  'ticket',
  'if',
  'unless',
  'each',
  'with',
  'lookup',
  'log',
]);
const CONTEXT_BLOCKS = new Set(['each', 'with']);

export interface TemplateProblem {
  kind: 'syntax' | 'unknown-variable' | 'unknown-partial' | 'unsafe-html';
  message: string;
  line: number;
  column: number;
  /** The variable or partial named, when there is one. */
  name?: string;
}

export interface VariableUse {
  name: string;
  line: number;
  column: number;
}

interface Loc {
  start: { line: number; column: number };
}
interface AnyNode {
  type: string;
  loc?: Loc;
  [key: string]: unknown;
}

/** Parses a template; a syntax error becomes one problem with the position Handlebars reports. */
export function parseTemplate(source: string): { ast: AnyNode } | { problem: TemplateProblem } {
  try {
    return { ast: Handlebars.parse(source) as unknown as AnyNode };
  } catch (error) {
    const text = (error as Error).message;
    const hbs = error as { lineNumber?: number; column?: number };
    const lineMatch = /line (\d+)/.exec(text);
    const line = hbs.lineNumber ?? (lineMatch ? Number(lineMatch[1]) : 1);
    // Handlebars' parse errors point with a caret line ("-----^"): its length is the column.
    const caret = /\n(-*)\^/.exec(text);
    const column = hbs.column !== undefined ? hbs.column + 1 : caret ? caret[1]!.length + 1 : 1;
    return { problem: { kind: 'syntax', message: text.split('\n')[0] ?? text, line, column } };
  }
}

const position = (node: AnyNode) => ({
  line: node.loc?.start.line ?? 1,
  column: (node.loc?.start.column ?? 0) + 1,
});

/** Every root variable and partial a template reads, with positions. */
export function collectUses(ast: AnyNode): { variables: VariableUse[]; partials: VariableUse[] } {
  const variables: VariableUse[] = [];
  const partials: VariableUse[] = [];
  const readPath = (node: AnyNode | undefined, asCallee: boolean) => {
    if (!node || node.type !== 'PathExpression') {
      if (node?.type === 'SubExpression') visitCall(node);
      return;
    }
    const path = node as unknown as { data: boolean; parts: string[]; original: string };
    if (path.data || path.original === 'this' || path.original.startsWith('this.')) return;
    if (path.original.startsWith('../')) return;
    const name = path.parts[0];
    if (!name) return;
    if (asCallee && TEMPLATE_HELPERS.has(name)) return;
    variables.push({ name, ...position(node) });
  };
  const visitCall = (node: AnyNode) => {
    const params = (node.params as AnyNode[] | undefined) ?? [];
    const hash = node.hash as { pairs: { value: AnyNode }[] } | undefined;
    const callee = node.path as AnyNode;
    const isCall = params.length > 0 || (hash?.pairs.length ?? 0) > 0;
    readPath(callee, isCall || TEMPLATE_HELPERS.has(String((callee as { original?: string }).original)));
    for (const param of params) readPath(param, false);
    for (const pair of hash?.pairs ?? []) readPath(pair.value, false);
  };
  const visit = (node: AnyNode | undefined) => {
    if (!node) return;
    switch (node.type) {
      case 'Program':
        for (const child of (node.body as AnyNode[]) ?? []) visit(child);
        return;
      case 'MustacheStatement':
      case 'SubExpression':
        visitCall(node);
        return;
      case 'BlockStatement': {
        visitCall(node);
        const callee = String((node.path as { original?: string }).original);
        // Inside #each / #with the context is the item: its paths are not root variables.
        if (CONTEXT_BLOCKS.has(callee)) return;
        visit(node.program as AnyNode | undefined);
        visit(node.inverse as AnyNode | undefined);
        return;
      }
      case 'PartialStatement':
      case 'PartialBlockStatement': {
        const name = node.name as { original?: string } & AnyNode;
        if (name.original && name.original !== '@partial-block')
          partials.push({ name: name.original, ...position(node) });
        for (const pair of (node.hash as { pairs: { value: AnyNode }[] } | undefined)?.pairs ?? [])
          readPath(pair.value, false);
        visit(node.program as AnyNode | undefined);
        return;
      }
      default:
        return;
    }
  };
  visit(ast);
  return { variables, partials };
}

/**
 * Checks a template part: syntax, variables outside `allowed`, partials outside `partials`, and, for HTML
 * parts, triple-stash or `{{&…}}` output (unescaped HTML) and script tags.
 */
export function checkTemplate(
  source: string,
  options: { allowed: ReadonlySet<string>; partials?: ReadonlySet<string>; html?: boolean },
): TemplateProblem[] {
  const parsed = parseTemplate(source);
  if ('problem' in parsed) return [parsed.problem];
  const problems: TemplateProblem[] = [];
  const { variables, partials } = collectUses(parsed.ast);
  for (const use of variables)
    if (!options.allowed.has(use.name))
      problems.push({
        kind: 'unknown-variable',
        message: `unknown variable "${use.name}"`,
        name: use.name,
        line: use.line,
        column: use.column,
      });
  for (const use of partials)
    if (!options.partials?.has(use.name))
      problems.push({
        kind: 'unknown-partial',
        message: `unknown partial "${use.name}"`,
        name: use.name,
        line: use.line,
        column: use.column,
      });
  if (options.html) {
    const lines = source.split('\n');
    lines.forEach((text, index) => {
      for (const pattern of [/\{\{\{/g, /\{\{~?&/g, /<script\b/gi, /\son[a-z]+\s*=/gi]) {
        for (const match of text.matchAll(pattern))
          problems.push({
            kind: 'unsafe-html',
            message: `unsafe HTML "${match[0].trim()}": values are always escaped, scripts and event handlers are refused`,
            line: index + 1,
            column: (match.index ?? 0) + 1,
          });
      }
    });
  }
  return problems;
}

/** The root variables a template reads (for the catalog of what a key offers). */
export function variablesOf(source: string): string[] {
  const parsed = parseTemplate(source);
  if ('problem' in parsed) return [];
  return [...new Set(collectUses(parsed.ast).variables.map((use) => use.name))];
}
