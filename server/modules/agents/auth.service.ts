import { trusted, Types, type Connection } from 'mongoose';
import type { Config } from '../../config';
import { AppError } from '../../lib/app-error';
import type { Clock } from '../../lib/clock';
import type { DomainEvents } from '../../domain-events';
import type { EventBus } from '../../lib/event-bus';
import type { Logger } from '../../lib/logger';
import { agentModel, type AgentRecord, type Role } from './agent.model';
import type { AuditService } from './audit.service';
import { authTokenModel, type AuthTokenRecord } from './auth-token.model';
import { getDummyHash, verifyPassword } from './passwords';
import { digestsEqual, generateToken, hashToken, isWellFormedToken } from './tokens';

/** Who is calling: set on `req.principal` by `requireAuth`, and on sockets by `authenticateSocket`. */
export interface Principal {
  agentId: string;
  role: Role;
  teamIds: string[];
  /** The login this token belongs to (sockets join its room, so a logout disconnects them). */
  sessionId: string;
  /** When the access token stops being valid (on the hub clock): a socket opened with it is dropped then. */
  expiresAt?: Date;
  /** Set when the caller is an integration's API token: what it may do (see api-token-scopes.ts). */
  apiToken?: { id: string; scopes: readonly string[] };
}

export interface SessionTokens {
  token: string;
  refreshToken: string;
  /** When the access token expires (ISO). */
  expiresAt: string;
  refreshExpiresAt: string;
  agent: { id: string; name: string; email: string; role: Role; teamIds: string[] };
}

export interface AuthService {
  login(input: { email: string; password: string; ip?: string }): Promise<SessionTokens>;
  refresh(refreshToken: string): Promise<SessionTokens>;
  /** Revokes the session of an access token (every token of that login). Idempotent. */
  logout(accessToken: string): Promise<void>;
  /** Resolves an access token to its principal, or null (unknown, expired, revoked, inactive agent). */
  authenticate(accessToken: string): Promise<Principal | null>;
  /** Revokes every session of an agent (deactivation, password change). */
  revokeAgentSessions(agentId: string): Promise<void>;
}

/**
 * Token scheme: opaque random tokens, stored hashed (sha256) in `auth_tokens`, rather than HMAC-signed
 * self-contained tokens. Why:
 * - revocation is immediate: logout, deactivating an agent, a password change and refresh-token reuse
 *   take effect on the next request and the next socket handshake, not when a signed token expires;
 * - the role and teams come from the agent record on every check, so a role change applies at once;
 * - no signing secret to generate, persist, share across nodes and rotate (so the hub has no token-signing secret at all);
 * - refresh rotation with reuse detection needs server-side state anyway.
 * The price is one indexed lookup by hash (plus the agent by id) per authenticated request, which is
 * small next to what every API call does.
 */
export function createAuthService(deps: {
  connection: Connection;
  config: Config;
  clock: Clock;
  logger: Logger;
  audit: AuditService;
  events?: EventBus<DomainEvents>;
}): AuthService {
  const Agent = agentModel(deps.connection);
  const AuthToken = authTokenModel(deps.connection);
  const { clock, config, audit } = deps;
  // Rotated and expired rows stay a week for reuse detection and forensics, then the TTL index removes them.
  const purgeGraceMs = 7 * 24 * 3600 * 1000;

  const invalidCredentials = () =>
    new AppError('UNAUTHENTICATED', { userMessage: 'Invalid email or password.' });

  async function openSession(agent: AgentRecord, sessionId: Types.ObjectId): Promise<SessionTokens> {
    const now = clock.now();
    const token = generateToken('access');
    const refreshToken = generateToken('refresh');
    const expiresAt = new Date(now.getTime() + config.ACCESS_TOKEN_TTL_SECONDS * 1000);
    const refreshExpiresAt = new Date(now.getTime() + config.REFRESH_TOKEN_TTL_SECONDS * 1000);
    const base = { sessionId, agentId: agent._id, createdAt: now, usedAt: null, revokedAt: null };
    await AuthToken.insertMany([
      {
        ...base,
        hash: hashToken(token),
        kind: 'access',
        expiresAt,
        purgeAt: new Date(expiresAt.getTime() + purgeGraceMs),
      },
      {
        ...base,
        hash: hashToken(refreshToken),
        kind: 'refresh',
        expiresAt: refreshExpiresAt,
        purgeAt: new Date(refreshExpiresAt.getTime() + purgeGraceMs),
      },
    ]);
    return {
      token,
      refreshToken,
      expiresAt: expiresAt.toISOString(),
      refreshExpiresAt: refreshExpiresAt.toISOString(),
      agent: {
        id: String(agent._id),
        name: agent.name,
        email: agent.email,
        role: agent.role,
        teamIds: agent.teamIds.map(String),
      },
    };
  }

  async function revokeSession(sessionId: Types.ObjectId, agentId: Types.ObjectId): Promise<void> {
    await AuthToken.updateMany({ sessionId, revokedAt: null }, { $set: { revokedAt: clock.now() } });
    await deps.events?.emit('auth.revoked', { agentId: String(agentId), sessionId: String(sessionId) });
  }

  /** Finds a token row by the hash of `token`, comparing digests in constant time once found. */
  async function findToken(token: string, kind: 'access' | 'refresh'): Promise<AuthTokenRecord | null> {
    if (!isWellFormedToken(token, kind)) return null;
    const hash = hashToken(token);
    const row = await AuthToken.findOne({ hash, kind }).lean<AuthTokenRecord>();
    // The lookup is by digest, so its timing can only reveal digest prefixes, which do not help forge a
    // token; the explicit constant-time check guards against a store that matched loosely.
    return row && digestsEqual(row.hash, hash) ? row : null;
  }

  return {
    async login({ email, password, ip }) {
      const normalized = email.trim().toLowerCase();
      const agent = await Agent.findOne({ email: normalized }).lean<AgentRecord>();
      const passwordOk = await verifyPassword(agent?.passwordHash ?? (await getDummyHash()), password);
      if (!agent || !passwordOk || !agent.active) {
        await audit.record({
          actorId: agent ? String(agent._id) : null,
          action: 'auth.login_failed',
          subjectType: 'agent',
          subjectId: agent ? String(agent._id) : null,
          details: {
            email: normalized,
            ip,
            reason: !agent ? 'unknown_email' : !passwordOk ? 'bad_password' : 'inactive',
          },
        });
        throw invalidCredentials();
      }
      const session = await openSession(agent, new Types.ObjectId());
      await audit.record({
        actorId: String(agent._id),
        action: 'auth.login',
        subjectType: 'agent',
        subjectId: String(agent._id),
        details: { ip },
      });
      return session;
    },

    async refresh(refreshToken) {
      const now = clock.now();
      const row = await findToken(refreshToken, 'refresh');
      if (!row) throw new AppError('UNAUTHENTICATED', { userMessage: 'Invalid refresh token.' });
      // Rotation is one conditional update: of two concurrent refreshes with one token, exactly one wins.
      const claimed = await AuthToken.findOneAndUpdate(
        { _id: row._id, usedAt: null, revokedAt: null, expiresAt: trusted({ $gt: now }) },
        { $set: { usedAt: now } },
        { returnDocument: 'after' },
      ).lean<AuthTokenRecord>();
      if (!claimed) {
        const current = await AuthToken.findById(row._id).lean<AuthTokenRecord>();
        if (current?.usedAt && !current.revokedAt) {
          // A rotated token came back: someone holds a copy. Revoke the whole family (RFC 6819 §5.2.2.3).
          await revokeSession(row.sessionId, row.agentId);
          await audit.record({
            actorId: String(row.agentId),
            action: 'auth.refresh_reused',
            subjectType: 'agent',
            subjectId: String(row.agentId),
            details: { sessionId: String(row.sessionId) },
          });
          deps.logger.warn({ agentId: String(row.agentId) }, 'refresh token reuse: session revoked');
        }
        throw new AppError('UNAUTHENTICATED', { userMessage: 'Invalid refresh token.' });
      }
      const agent = await Agent.findOne({ _id: row.agentId, active: true }).lean<AgentRecord>();
      if (!agent) {
        await revokeSession(row.sessionId, row.agentId);
        throw new AppError('UNAUTHENTICATED', { userMessage: 'Invalid refresh token.' });
      }
      return openSession(agent, row.sessionId);
    },

    async logout(accessToken) {
      const row = await findToken(accessToken, 'access');
      if (!row) return;
      await revokeSession(row.sessionId, row.agentId);
      await audit.record({
        actorId: String(row.agentId),
        action: 'auth.logout',
        subjectType: 'agent',
        subjectId: String(row.agentId),
      });
    },

    async authenticate(accessToken) {
      const row = await findToken(accessToken, 'access');
      if (!row || row.revokedAt || row.expiresAt.getTime() <= clock.now().getTime()) return null;
      const agent = await Agent.findOne({ _id: row.agentId, active: true })
        .select({ role: 1, teamIds: 1 })
        .lean<Pick<AgentRecord, '_id' | 'role' | 'teamIds'>>();
      if (!agent) return null;
      return {
        agentId: String(agent._id),
        role: agent.role,
        teamIds: agent.teamIds.map(String),
        sessionId: String(row.sessionId),
        expiresAt: row.expiresAt,
      };
    },

    async revokeAgentSessions(agentId) {
      await AuthToken.updateMany(
        { agentId: new Types.ObjectId(agentId), revokedAt: null },
        { $set: { revokedAt: clock.now() } },
      );
      await deps.events?.emit('auth.revoked', { agentId, sessionId: null });
    },
  };
}
