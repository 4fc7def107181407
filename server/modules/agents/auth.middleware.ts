import type { Request, RequestHandler } from 'express';
import { AppError } from '../../lib/app-error';
import type { Role } from './agent.model';
import type { AuthService, Principal } from './auth.service';
import { parseBearer } from './tokens';

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by `requireAuth`: the authenticated agent. */
    principal?: Principal;
  }
}

/** `Authorization: Bearer <access token>` → `req.principal`; 401 UNAUTHENTICATED otherwise. */
export function createRequireAuth(auth: AuthService): RequestHandler {
  return async (req, _res, next) => {
    const token = parseBearer(req.headers.authorization);
    const principal = token && token.length <= 4096 ? await auth.authenticate(token) : null;
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
