import { Types, type Connection } from 'mongoose';
import { AppError } from '../../lib/app-error';
import type { Clock } from '../../lib/clock';
import { agentModel, type AgentRecord } from './agent.model';
import { apiTokenModel, type ApiTokenRecord } from './api-token.model';
import type { ApiTokenScope } from './api-token-scopes';
import type { AuditService } from './audit.service';
import type { Principal } from './auth.service';
import { digestsEqual, generateToken, hashToken, isWellFormedToken } from './tokens';

/** How often at most `lastUsedAt` is written for one token (every use is audited anyway). */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface ApiTokenView {
  id: string;
  name: string;
  hint: string;
  scopes: string[];
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

const iso = (date: Date | null | undefined) => (date ? date.toISOString() : null);

function toView(doc: ApiTokenRecord): ApiTokenView {
  return {
    id: String(doc._id),
    name: doc.name,
    hint: doc.hint,
    scopes: [...doc.scopes],
    createdBy: String(doc.createdBy),
    createdAt: doc.createdAt.toISOString(),
    expiresAt: iso(doc.expiresAt),
    revokedAt: iso(doc.revokedAt),
    lastUsedAt: iso(doc.lastUsedAt),
  };
}

export interface ApiTokensService {
  /** Makes a token; the secret is in the answer only, never stored or shown again. */
  create(
    input: { name: string; scopes: ApiTokenScope[]; expiresAt?: Date | null },
    actorId: string,
  ): Promise<{ token: string; apiToken: ApiTokenView }>;
  list(): Promise<ApiTokenView[]>;
  /** Revokes at once on every hub process (each request looks the token up). Idempotent. */
  revoke(id: string, actorId: string): Promise<ApiTokenView>;
  /**
   * The principal of an API token: it acts as the admin who made it (who must still be active), with the
   * visibility of a supervisor (or an admin with the `admin` scope), limited to its scopes. Each use is
   * audited. Null for an unknown, expired or revoked token.
   */
  authenticate(token: string, use: { method: string; path: string }): Promise<Principal | null>;
}

export function createApiTokensService(deps: {
  connection: Connection;
  clock: Clock;
  audit: AuditService;
}): ApiTokensService {
  const ApiTokens = apiTokenModel(deps.connection);
  const Agent = agentModel(deps.connection);
  const { clock, audit } = deps;

  const getDoc = async (id: string) => {
    const doc = Types.ObjectId.isValid(id) ? await ApiTokens.findById(id).lean<ApiTokenRecord>() : null;
    if (!doc) throw new AppError('NOT_FOUND', { userMessage: 'No such API token.' });
    return doc;
  };

  return {
    async create(input, actorId) {
      const token = generateToken('integration');
      const doc = await ApiTokens.create({
        name: input.name,
        hash: hashToken(token),
        hint: `${token.slice(0, 8)}…`,
        scopes: [...new Set(input.scopes)],
        createdBy: new Types.ObjectId(actorId),
        createdAt: clock.now(),
        expiresAt: input.expiresAt ?? null,
      });
      const apiToken = toView(doc.toObject<ApiTokenRecord>());
      await audit.record({
        actorId,
        action: 'api_token.created',
        subjectType: 'api_token',
        subjectId: apiToken.id,
        details: { name: apiToken.name, scopes: apiToken.scopes },
      });
      return { token, apiToken };
    },

    async list() {
      const docs = await ApiTokens.find({})
        .sort({ createdAt: -1, _id: -1 })
        .limit(500)
        .lean<ApiTokenRecord[]>();
      return docs.map(toView);
    },

    async revoke(id, actorId) {
      const doc = await getDoc(id);
      const updated = doc.revokedAt
        ? doc
        : ((await ApiTokens.findOneAndUpdate(
            { _id: doc._id, revokedAt: null },
            { $set: { revokedAt: clock.now() } },
            { returnDocument: 'after' },
          ).lean<ApiTokenRecord>()) ?? (await getDoc(id)));
      if (!doc.revokedAt)
        await audit.record({ actorId, action: 'api_token.revoked', subjectType: 'api_token', subjectId: id });
      return toView(updated);
    },

    async authenticate(token, use) {
      if (!isWellFormedToken(token, 'integration')) return null;
      const hash = hashToken(token);
      const row = await ApiTokens.findOne({ hash }).lean<ApiTokenRecord>();
      const now = clock.now();
      if (!row || !digestsEqual(row.hash, hash) || row.revokedAt) return null;
      if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) return null;
      const agent = await Agent.findOne({ _id: row.createdBy, active: true })
        .select({ role: 1, teamIds: 1 })
        .lean<Pick<AgentRecord, '_id' | 'role' | 'teamIds'>>();
      if (!agent || agent.role !== 'admin') return null;
      const id = String(row._id);
      await audit.record({
        actorId: String(agent._id),
        action: 'api_token.used',
        subjectType: 'api_token',
        subjectId: id,
        details: { method: use.method, path: use.path.slice(0, 200) },
      });
      if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS)
        await ApiTokens.updateOne({ _id: row._id }, { $set: { lastUsedAt: now } });
      return {
        agentId: String(agent._id),
        role: row.scopes.includes('admin') ? 'admin' : 'supervisor',
        teamIds: agent.teamIds.map(String),
        sessionId: `api-token:${id}`,
        apiToken: { id, scopes: [...row.scopes] },
      };
    },
  };
}
