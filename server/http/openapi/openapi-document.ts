/**
 * The OpenAPI 3.1 document of the hub's `/api` routes, built from the routes' own declarations (zod
 * schemas through `z.toJSONSchema`, JSON Schema 2020-12 as OpenAPI 3.1 uses it). Requests are described
 * as the routes accept them (the schemas' input side), responses as they are sent.
 */
import { createRequire } from 'node:module';
import { z } from 'zod';
import type { HttpModule } from '../app';
import { documentedRoutesOf, type DocumentedRoute, type ResponseDoc } from './api-routes';
import { ErrorResponseSchema } from './common-schemas';

const { version } = createRequire(import.meta.url)('../../../package.json') as { version: string };

type JsonSchema = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, JsonSchema> };
  tags: { name: string }[];
}

export interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security: Record<string, string[]>[];
  parameters?: {
    name: string;
    in: 'path' | 'query';
    required: boolean;
    schema: JsonSchema;
    description?: string;
  }[];
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: JsonSchema }> }>;
  'x-roles'?: readonly string[];
  'x-api-token-scopes'?: string[];
}

export interface BuildOpenApiInput {
  modules: readonly HttpModule[];
  /** The API token scopes that open `method path` (path below `/api`, params filled in). */
  scopesFor: (method: string, apiPath: string) => string[];
}

const DESCRIPTION = [
  'The agent, admin and integration API of Omnihub: everything under `/api`.',
  '',
  "Authentication: `Authorization: Bearer <token>`, where the token is either a person's login token",
  "(`POST /api/auth/login`, 15 minutes, renewed with `POST /api/auth/refresh`) or an integration's API",
  'token (`ohk_…`, made by an admin with `POST /api/api-tokens`). A login token acts with its role',
  '(`x-roles` lists the roles a route needs); an API token acts as the admin who made it, only on the',
  'routes its scopes open (`x-api-token-scopes`; `admin` opens every route except sessions and tokens).',
  '',
  'Errors are always `{"error": {"code", "message", "details"?}}` with the status of the code.',
  '',
  'Not described here: the provider webhooks under `/webhooks/*` (Twilio, Meta, Telegram, WeChat, email',
  "relays: each is verified by its provider's signature scheme, not called by integrators), the demo",
  'customer simulator under `/simulator/*`, the web chat visitor API under `/webchat/*`, health and',
  'metrics (`/healthz`, `/readyz`, `/metrics`), and the realtime Socket.IO namespace. Outgoing webhooks',
  '(what Omnihub sends) are described in docs/integrations.md.',
].join('\n');

const JSON_TYPE = 'application/json';

function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const converted = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  }) as JsonSchema;
  delete converted.$schema;
  return converted;
}

/** `/conversations/:id` → `/conversations/{id}` and the parameter names. */
function openApiPath(expressPath: string): { path: string; names: string[] } {
  const names: string[] = [];
  const path = expressPath.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_match, name: string) => {
    names.push(name);
    return `{${name}}`;
  });
  if (/[*?(){}]/.test(path.replace(/\{[A-Za-z0-9_]+\}/g, '')))
    throw new Error(`route ${expressPath}: only :name parameters can be documented`);
  return { path, names };
}

export function joinPath(prefix: string, path: string): string {
  const joined = `${prefix}/${path}`.replace(/\/+/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}

function parametersOf(
  schema: z.ZodType | undefined,
  where: 'path' | 'query',
  routePath: string,
): NonNullable<Operation['parameters']> {
  if (!schema) return [];
  const json = toJsonSchema(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required as string[] | undefined) ?? []);
  if (json.type !== 'object')
    throw new Error(`route ${routePath}: ${where} parameters must be a zod object schema`);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: property,
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
  }));
}

function responseOf(doc: ResponseDoc, status: number): Operation['responses'][string] {
  const description = status < 300 ? 'Success' : 'Error';
  if (doc === null) return { description };
  if (doc instanceof z.ZodType)
    return {
      description: doc.description ?? description,
      content: { [JSON_TYPE]: { schema: toJsonSchema(doc, 'output') } },
    };
  return { description: doc.description ?? description, content: { [doc.contentType]: { schema: {} } } };
}

/** `post /api/conversations/:id/messages` → `postConversationsByIdMessages`. */
function operationIdOf(method: string, fullPath: string): string {
  const words = fullPath
    .replace(/^\/api/, '')
    .split(/[^A-Za-z0-9:]+/)
    .filter(Boolean)
    .map((word) => (word.startsWith(':') ? `by-${word.slice(1)}` : word))
    .flatMap((word) => word.split('-'));
  return method + words.map((word) => word.slice(0, 1).toUpperCase() + word.slice(1)).join('');
}

const ERROR_REF = { $ref: '#/components/schemas/Error' };
const errorResponse = (description: string) => ({
  description,
  content: { [JSON_TYPE]: { schema: ERROR_REF } },
});

function operationOf(route: DocumentedRoute, fullPath: string, input: BuildOpenApiInput): Operation {
  const { names } = openApiPath(fullPath);
  const pathParameters = parametersOf(route.params, 'path', fullPath);
  for (const name of names)
    if (!pathParameters.some((parameter) => parameter.name === name))
      pathParameters.push({ name, in: 'path', required: true, schema: { type: 'string' } });
  const parameters = [...pathParameters, ...parametersOf(route.query, 'query', fullPath)];
  const bearer = (route.auth ?? 'bearer') === 'bearer';
  const responses: Operation['responses'] = {};
  for (const [status, doc] of Object.entries(route.responses))
    responses[status] = responseOf(doc, Number(status));
  if ((route.params || route.query || route.body) && !responses['400'])
    responses['400'] = errorResponse('Invalid input');
  if (bearer && !responses['401']) responses['401'] = errorResponse('No valid token');
  if (bearer && !responses['403'])
    responses['403'] = errorResponse('The role or the token scope does not allow it');
  if (names.length > 0 && !responses['404']) responses['404'] = errorResponse('Not found');
  responses.default = errorResponse('Any other error (rate limited, internal)');
  const apiPath = fullPath.replace(/^\/api/, '').replace(/:[A-Za-z0-9_]+/g, 'x');
  const scopes = bearer ? input.scopesFor(route.method, apiPath) : [];
  return {
    operationId: operationIdOf(route.method, fullPath),
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: route.tags ?? [],
    security: bearer ? [{ bearerAuth: [] }] : [],
    ...(parameters.length ? { parameters } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            content: { [route.bodyContentType ?? JSON_TYPE]: { schema: toJsonSchema(route.body, 'input') } },
          },
        }
      : {}),
    responses,
    ...(route.roles ? { 'x-roles': route.roles } : {}),
    ...(bearer ? { 'x-api-token-scopes': scopes } : {}),
  };
}

/** The document of every documented route of `modules` under `/api`. */
export function buildOpenApiDocument(input: BuildOpenApiInput): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  const tags = new Set<string>();
  for (const module of input.modules) {
    for (const route of documentedRoutesOf(module.router)) {
      const fullPath = joinPath(module.path, route.path);
      if (!fullPath.startsWith('/api/')) continue;
      const { path } = openApiPath(fullPath);
      const item = (paths[path] ??= {});
      if (item[route.method]) throw new Error(`${route.method.toUpperCase()} ${fullPath} is declared twice`);
      item[route.method] = operationOf(route, fullPath, input);
      for (const tag of route.tags ?? []) tags.add(tag);
    }
  }
  const sortedPaths = Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b)));
  return {
    openapi: '3.1.0',
    info: { title: 'Omnihub API', version, description: DESCRIPTION },
    servers: [{ url: '/' }],
    paths: sortedPaths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: "A person's login token or an integration's API token (ohk_…).",
        },
      },
      schemas: { Error: toJsonSchema(ErrorResponseSchema, 'output') },
    },
    tags: [...tags].sort().map((name) => ({ name })),
  };
}
