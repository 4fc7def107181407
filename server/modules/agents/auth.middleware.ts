import type { Request, RequestHandler } from 'express';
import { AppError } from '../../lib/app-error';
import type { Role } from './agent.model';
import { isAllowedByScopes } from './api-token-scopes';
import type { ApiTokensService } from './api-tokens.service';
import type { AuthService, Principal } from './auth.service';
import { parseBearer, TOKEN_PREFIX } from './tokens';

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by `requireAuth`: the authenticated agent. */
    principal?: Principal;
  }
}

/** The request's path below `/api`, without the query string (what API token scopes are matched on). */
function apiPath(originalUrl: string): string {
  const pathname = new URL(originalUrl, 'http://hub.invalid').pathname;
  return pathname.startsWith('/api/') ? pathname.slice(4) : pathname;
}

/**
 * `Authorization: Bearer <token>` → `req.principal`; 401 UNAUTHENTICATED otherwise. An agent's access
 * token, or an integration's API token (`ohk_…`), which is then held to its scopes (403 outside them).
 */
export function createRequireAuth(auth: AuthService, apiTokens?: ApiTokensService): RequestHandler {
  return async (req, _res, next) => {
    const token = parseBearer(req.headers.authorization);
    if (!token || token.length > 4096) throw new AppError('UNAUTHENTICATED');
    if (apiTokens && token.startsWith(TOKEN_PREFIX.integration)) {
      const path = apiPath(req.originalUrl);
      const principal = await apiTokens.authenticate(token, { method: req.method, path });
      if (!principal?.apiToken) throw new AppError('UNAUTHENTICATED');
      if (!isAllowedByScopes(principal.apiToken.scopes, req.method, path))
        throw new AppError('FORBIDDEN', {
          userMessage: 'This API token’s scopes do not allow this request.',
        });
      req.principal = principal;
      return next();
    }
    const principal = await auth.authenticate(token);
    if (!principal) throw new AppError('UNAUTHENTICATED');
    req.principal = principal;
    next();
  };
}

/** After `requireAuth`: lets only the given roles through (403 FORBIDDEN). */
export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    if (!req.principal) throw new AppError('UNAUTHENTICATED');
    if (!roles.includes(req.principal.role)) throw new AppError('FORBIDDEN');
    next();
  };
}

/** The principal of a request that passed `requireAuth` (throws 401 when the middleware was forgotten). */
export function getPrincipal(req: Request): Principal {
  if (!req.principal) throw new AppError('UNAUTHENTICATED');
  return req.principal;
}

/** True for supervisors and admins, who see everything. */
export function isSupervisorOrAdmin(principal: Principal): boolean {
  return principal.role === 'supervisor' || principal.role === 'admin';
}
