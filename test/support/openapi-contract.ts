/**
 * Checks real responses against the hub's own OpenAPI document: `call()` makes the request, finds the
 * documented operation for its method and path, and validates the answer (status listed, media type, and
 * the JSON body against the operation's schema, with ajv as JSON Schema 2020-12). Every operation called
 * is recorded, so a test can assert that the whole document was exercised.
 */
import assert from 'node:assert/strict';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

interface Operation {
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
}

export interface ContractCall {
  method: string;
  path: string;
  token?: string;
  body?: unknown;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Statuses the caller expects (any documented one when absent). */
  expect?: number | number[];
}

export interface ContractAnswer {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or the text of another media type. */
  body: unknown;
  text: string;
}

const escapePointer = (part: string) => part.replace(/~/g, '~0').replace(/\//g, '~1');

export async function loadContract(baseUrl: string) {
  const response = await fetch(`${baseUrl}/api/openapi.json`);
  assert.equal(response.status, 200, 'the document is served');
  const document = (await response.json()) as Document;
  // Formats are left to the patterns zod writes next to them (date-time, ids); unknown keywords (OpenAPI's
  // own) are ignored.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema(document, 'openapi');
  const validators = new Map<string, ValidateFunction>();
  const validatorAt = (pointer: string): ValidateFunction => {
    let validate = validators.get(pointer);
    if (!validate) {
      validate = ajv.getSchema(`openapi#${pointer}`);
      if (!validate) throw new Error(`no schema at ${pointer}`);
      validators.set(pointer, validate);
    }
    return validate;
  };

  const templates = Object.keys(document.paths).map((template) => ({
    template,
    params: (template.match(/\{/g) ?? []).length,
    pattern: new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`),
  }));
  /** The documented template a concrete path matches (literal segments win over parameters). */
  const templateOf = (method: string, path: string): string | null => {
    const candidates = templates
      .filter((entry) => entry.pattern.test(path) && document.paths[entry.template]?.[method])
      .sort((a, b) => a.params - b.params);
    return candidates[0]?.template ?? null;
  };

  /** `METHOD template` → the statuses seen. */
  const covered = new Map<string, Set<number>>();
  const operations = Object.entries(document.paths).flatMap(([template, item]) =>
    Object.keys(item).map((method) => `${method.toUpperCase()} ${template}`),
  );

  async function call(request: ContractCall): Promise<ContractAnswer> {
    const method = request.method.toLowerCase();
    const url = new URL(request.path, baseUrl);
    const template = templateOf(method, url.pathname);
    assert.ok(template, `${request.method} ${url.pathname} is in the document`);
    const operation = document.paths[template]![method]!;
    const response = await fetch(url, {
      method: request.method,
      headers: {
        ...(request.token ? { authorization: `Bearer ${request.token}` } : {}),
        ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...request.headers,
      },
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
    });
    const text = await response.text();
    const what = `${request.method} ${url.pathname}${url.search} → ${response.status} ${text.slice(0, 300)}`;
    if (request.expect !== undefined) {
      const expected = Array.isArray(request.expect) ? request.expect : [request.expect];
      assert.ok(expected.includes(response.status), `expected ${expected.join(' or ')}: ${what}`);
    }
    const statusKey = operation.responses[String(response.status)] ? String(response.status) : 'default';
    const documented = operation.responses[statusKey];
    assert.ok(documented, `status ${response.status} is documented: ${what}`);
    if (response.status >= 200 && response.status < 300)
      assert.notEqual(statusKey, 'default', `a success status is listed: ${what}`);
    const mediaTypes = Object.keys(documented.content ?? {});
    const contentType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
    let body: unknown = text;
    if (mediaTypes.length === 0) {
      assert.equal(text, '', `no body documented: ${what}`);
    } else if (mediaTypes.includes('application/json')) {
      assert.equal(contentType, 'application/json', `a JSON answer: ${what}`);
      body = JSON.parse(text);
      const pointer = [
        '',
        'paths',
        escapePointer(template),
        method,
        'responses',
        statusKey,
        'content',
        escapePointer('application/json'),
        'schema',
      ].join('/');
      const validate = validatorAt(pointer);
      assert.ok(
        validate(body),
        `the answer matches the document: ${what}\n${JSON.stringify(validate.errors, null, 2)}`,
      );
    } else if (!mediaTypes.includes('application/octet-stream')) {
      assert.ok(mediaTypes.includes(contentType), `media type ${contentType} is documented: ${what}`);
    }
    // A body the route accepted must be one the document accepts: the declared request schema is the one
    // the handler parses, or this fails.
    if (response.status < 300 && request.body !== undefined) {
      assert.ok(operation.requestBody, `a request body is documented: ${what}`);
    }
    if (
      response.status < 300 &&
      operation.requestBody?.content['application/json'] &&
      request.body !== undefined
    ) {
      const validate = validatorAt(
        [
          '',
          'paths',
          escapePointer(template),
          method,
          'requestBody',
          'content',
          escapePointer('application/json'),
          'schema',
        ].join('/'),
      );
      assert.ok(
        validate(request.body),
        `the accepted request body matches the document: ${what}\n${JSON.stringify(validate.errors, null, 2)}`,
      );
    }
    const key = `${request.method.toUpperCase()} ${template}`;
    const statuses = covered.get(key) ?? new Set<number>();
    statuses.add(response.status);
    covered.set(key, statuses);
    return { status: response.status, headers: response.headers, body, text };
  }

  return {
    document,
    call,
    /** Documented operations never called. */
    uncovered: () => operations.filter((operation) => !covered.has(operation)),
    /** Operations called but never answered with a success. */
    onlyErrors: () =>
      operations.filter((operation) => {
        const statuses = covered.get(operation);
        return statuses !== undefined && ![...statuses].some((status) => status < 300);
      }),
  };
}
