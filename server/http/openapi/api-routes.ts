/**
 * Documented routes: a router's routes are declared with what they take and answer (zod schemas), and the
 * same declaration registers the Express route. The OpenAPI document (./openapi-document.ts) is built from
 * these declarations, so the document and the routes cannot drift apart: a route added with plain
 * `router.get` has no declaration, and the route check test (test/integration/openapi-routes.test.ts)
 * fails on it.
 */
import type { RequestHandler, Router } from 'express';
import type { z } from 'zod';

export const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** A response that is not JSON (a file, a CSV export): its media type and an optional description. */
export interface RawResponseDoc {
  contentType: string;
  description?: string;
}

export type ResponseDoc = z.ZodType | RawResponseDoc | null;

export interface RouteDoc {
  summary: string;
  description?: string;
  /** Defaults to the router's tags. */
  tags?: string[];
  /**
   * `bearer` (the default): a person's login token or an integration's API token in
   * `Authorization: Bearer`; `public`: no token.
   */
  auth?: 'bearer' | 'public';
  /** The roles a person needs (every role when absent). */
  roles?: readonly string[];
  params?: z.ZodType;
  query?: z.ZodType;
  /** The JSON body (or, with `bodyContentType`, what the body's media type carries). */
  body?: z.ZodType;
  bodyContentType?: string;
  /** The answers by HTTP status: a zod schema (JSON), a non-JSON media type, or null (no body, e.g. 204). */
  responses: Record<number, ResponseDoc>;
}

export interface DocumentedRoute extends RouteDoc {
  method: HttpMethod;
  /** The path in Express syntax, relative to where the router is mounted. */
  path: string;
}

const declarations = new WeakMap<Router, DocumentedRoute[]>();

/** The routes declared on a router (empty for an undocumented one). */
export function documentedRoutesOf(router: Router): readonly DocumentedRoute[] {
  return declarations.get(router) ?? [];
}

type Declare = (path: string, doc: RouteDoc, ...handlers: RequestHandler[]) => void;

/**
 * Declares routes on `router`: `api.get('/:id', {summary, params, responses}, ...handlers)` registers the
 * Express route and its documentation at once. `defaults` are the tags (and auth, roles) of every route.
 */
export function documentRoutes(
  router: Router,
  defaults: Pick<RouteDoc, 'tags' | 'auth' | 'roles'>,
): Record<HttpMethod, Declare> {
  const list = declarations.get(router) ?? [];
  declarations.set(router, list);
  const declare =
    (method: HttpMethod): Declare =>
    (path, doc, ...handlers) => {
      list.push({ ...defaults, ...doc, method, path });
      router[method](path, ...handlers);
    };
  return {
    get: declare('get'),
    post: declare('post'),
    put: declare('put'),
    patch: declare('patch'),
    delete: declare('delete'),
  };
}
