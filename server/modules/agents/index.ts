/**
 * The agents module's public surface: agents and teams, authentication (login, refresh, logout, the
 * `requireAuth` / `requireRole` middleware and the socket authenticator), and the audit log.
 */
import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Connection } from 'mongoose';
import type { Config } from '../../config';
import type { DomainEvents } from '../../domain-events';
import type { HttpModule } from '../../http/app';
import type { Clock } from '../../lib/clock';
import type { EventBus } from '../../lib/event-bus';
import type { Logger } from '../../lib/logger';
import type { SocketAuthenticator } from '../../realtime/socket-server';
import { createAgentsRouter, createAuditRouter, createMeRouter, createTeamsRouter } from './agents.routes';
import { createAgentsService } from './agents.service';
import { createAuditService } from './audit.service';
import { createRequireAuth, requireRole } from './auth.middleware';
import { createAuthRouter } from './auth.routes';
import { createAuthService } from './auth.service';
import { apiRateLimitKey, createRateLimiter, loginRateLimitKey, RedisRateLimitStore } from './rate-limit';
import { createApiTokensRouter } from './api-tokens.routes';
import { createApiTokensService } from './api-tokens.service';

export type { Principal, SessionTokens, AuthService } from './auth.service';
export type { AuditService, AuditEntryInput, AuditEntryView } from './audit.service';
export type { AgentsService, AgentView, AgentPublicView, TeamView } from './agents.service';
export type { Role, Capacity, CapacityChannel } from './agent.model';
export { ROLES, DEFAULT_CAPACITY, CAPACITY_CHANNELS, effectiveCapacity } from './agent.model';
export { requireRole, getPrincipal, isSupervisorOrAdmin } from './auth.middleware';
/** The Redis-backed rate-limit counter, shared by every hub process (the webhook refusal limiter uses it too). */
export { RedisRateLimitStore } from './rate-limit';
export { API_TOKEN_SCOPES, isAllowedByScopes, type ApiTokenScope } from './api-token-scopes';
export type { ApiTokensService, ApiTokenView } from './api-tokens.service';
export {
  PageQuerySchema,
  toPage,
  encodeIdCursor,
  decodeIdCursor,
  encodeTimeCursor,
  decodeTimeCursor,
  parseObjectId,
  isObjectIdString,
  escapeRegExp,
  type Page,
} from './pagination';
export { hashPassword } from './passwords';

export interface AgentsModuleDeps {
  connection: Connection;
  config: Config;
  logger: Logger;
  clock: Clock;
  /** Shares rate-limit counters across hub processes; without it each process counts alone. */
  redis?: Redis;
  /** For `agent.updated` (role, activity, teams changed). */
  events?: EventBus<DomainEvents>;
}

/**
 * Builds agents, auth and audit. `routers` holds, first, the general `/api` rate limiter (mount it before
 * every other `/api` module), then `/api/auth`, `/api/me`, `/api/agents`, `/api/teams` and `/api/audit`.
 */
export function createAgentsModule(deps: AgentsModuleDeps) {
  const { connection, config, logger, clock } = deps;
  const audit = createAuditService({ connection, clock, logger });
  const auth = createAuthService({ connection, config, clock, logger, audit, events: deps.events });
  const agents = createAgentsService({ connection, clock, audit, auth, events: deps.events });
  const apiTokens = createApiTokensService({ connection, clock, audit });
  const requireAuth = createRequireAuth(auth, apiTokens);

  const store = (name: string) =>
    deps.redis ? new RedisRateLimitStore(deps.redis, `${config.QUEUE_PREFIX}:ratelimit:${name}:`) : undefined;
  const apiLimiter = createRateLimiter({
    perMinute: config.API_RATE_LIMIT_PER_MINUTE,
    key: apiRateLimitKey,
    store: store('api'),
  });
  const loginLimiter = createRateLimiter({
    perMinute: config.LOGIN_RATE_LIMIT_PER_MINUTE,
    key: loginRateLimitKey,
    countFailuresOnly: true,
    store: store('login'),
  });
  const apiLimitRouter = Router();
  apiLimitRouter.use(apiLimiter);

  const authenticateSocket: SocketAuthenticator = (token) => auth.authenticate(token);
  const routeDeps = { agents, audit, requireAuth };
  const routers: HttpModule[] = [
    { path: '/api', router: apiLimitRouter },
    { path: '/api/auth', router: createAuthRouter({ auth, loginLimiter, requireAuth }) },
    { path: '/api/me', router: createMeRouter(routeDeps) },
    { path: '/api/agents', router: createAgentsRouter(routeDeps) },
    { path: '/api/teams', router: createTeamsRouter(routeDeps) },
    { path: '/api/audit', router: createAuditRouter(routeDeps) },
    {
      path: '/api/api-tokens',
      router: createApiTokensRouter({ apiTokens, requireAuth, requireAdmin: requireRole('admin') }),
    },
  ];

  return {
    agents,
    auth,
    audit,
    apiTokens,
    requireAuth,
    requireRole,
    authenticateSocket,
    routers,
    /** The general `/api` limiter, for modules that parse their own bodies (they are mounted before it). */
    apiLimiter,
  };
}

export type AgentsModule = ReturnType<typeof createAgentsModule>;
