/** The API description: documented routes, the OpenAPI document built from them, its routes. */
export { documentRoutes, documentedRoutesOf, type RouteDoc, type DocumentedRoute } from './api-routes';
export { buildOpenApiDocument, type OpenApiDocument } from './openapi-document';
export { createOpenApiRouter } from './openapi.routes';
export * from './common-schemas';
