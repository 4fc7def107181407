import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { z } from 'zod';
import { ROLES } from './agent.model';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './passwords';

/** Login accepts strings only: `{"email": {"$gt": ""}}` is a 400, never a query. */
export const LoginSchema = z.object({
  email: z.string().min(1).max(320),
  password: z.string().min(1).max(MAX_PASSWORD_LENGTH),
});

export const RefreshSchema = z.object({ refreshToken: z.string().min(1).max(200) });

const objectId = z.string().regex(/^[0-9a-f]{24}$/i, 'must be an id');
const capacity = z
  .object({
    voice: z.number().int().min(0).max(100),
    chat: z.number().int().min(0).max(100),
    messaging: z.number().int().min(0).max(1000),
    email: z.number().int().min(0).max(1000),
  })
  .partial()
  .strict();
/** BCP-47-ish language tags: `zh-CN`, `en`, `yue-Hant-HK`. */
const language = z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag like zh-CN');
const skill = z.string().trim().min(1).max(64);
const e164 = z
  .string()
  .max(40)
  .transform((value, ctx) => {
    const phone = parsePhoneNumberFromString(value, 'CN');
    if (!phone?.isValid()) {
      ctx.addIssue({ code: 'custom', message: 'must be a valid phone number' });
      return z.NEVER;
    }
    return phone.number;
  });

const agentFields = {
  name: z.string().trim().min(1).max(200),
  role: z.enum(ROLES),
  teamIds: z.array(objectId).max(50),
  skills: z.array(skill).max(100),
  languages: z.array(language).max(20),
  capacity,
  phone: e164.nullable(),
  active: z.boolean(),
};

export const CreateAgentSchema = z
  .object({
    email: z.email().max(320),
    password: z.string().min(MIN_PASSWORD_LENGTH).max(MAX_PASSWORD_LENGTH),
    ...agentFields,
  })
  .partial({
    role: true,
    teamIds: true,
    skills: true,
    languages: true,
    capacity: true,
    phone: true,
    active: true,
  })
  .strict();
export type CreateAgentInput = z.infer<typeof CreateAgentSchema>;

export const UpdateAgentSchema = z
  .object({
    email: z.email().max(320),
    password: z.string().min(MIN_PASSWORD_LENGTH).max(MAX_PASSWORD_LENGTH),
    ...agentFields,
  })
  .partial()
  .strict();
export type UpdateAgentInput = z.infer<typeof UpdateAgentSchema>;

export const ListAgentsQuerySchema = z.object({
  teamId: objectId.optional(),
  role: z.enum(ROLES).optional(),
  active: z.enum(['true', 'false']).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const ROUTING_STRATEGIES = ['longest-idle', 'least-busy', 'round-robin', 'manual'] as const;
const teamFields = {
  name: z.string().trim().min(1).max(200),
  skills: z.array(skill).max(100),
  leadId: objectId.nullable(),
  supervisorIds: z.array(objectId).max(50),
  calendarId: objectId.nullable(),
  slaPolicyId: objectId.nullable(),
  routingStrategy: z.enum(ROUTING_STRATEGIES),
  capacityDefaults: capacity,
};

export const CreateTeamSchema = z
  .object(teamFields)
  .partial({
    skills: true,
    leadId: true,
    supervisorIds: true,
    calendarId: true,
    slaPolicyId: true,
    routingStrategy: true,
    capacityDefaults: true,
  })
  .strict();
export type CreateTeamInput = z.infer<typeof CreateTeamSchema>;
export const UpdateTeamSchema = z.object(teamFields).partial().strict();
export type UpdateTeamInput = z.infer<typeof UpdateTeamSchema>;

export const TeamMemberSchema = z.object({ agentId: objectId }).strict();

export const AuditQuerySchema = z.object({
  actorId: objectId.optional(),
  subjectType: z.string().max(64).optional(),
  subjectId: z.string().max(64).optional(),
  action: z.string().max(64).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

// ---- Responses ----

const iso = z.iso.datetime();
const capacityView = z.object({
  voice: z.number().int().optional(),
  chat: z.number().int().optional(),
  messaging: z.number().int().optional(),
  email: z.number().int().optional(),
});

export const AgentPublicViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  teamIds: z.array(z.string()),
  skills: z.array(z.string()),
  languages: z.array(z.string()),
  active: z.boolean(),
});
export const AgentViewSchema = AgentPublicViewSchema.extend({
  email: z.string(),
  capacity: capacityView,
  capacityOverrides: capacityView,
  phone: z.string().nullable(),
  createdAt: iso,
  updatedAt: iso,
});
/** A supervisor or admin sees the full view; an agent sees colleagues' public view. */
export const AgentAnySchema = z.union([AgentViewSchema, AgentPublicViewSchema]);
export const AgentPageSchema = z.object({
  items: z.array(AgentAnySchema),
  nextCursor: z.string().nullable(),
});

export const TeamViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  skills: z.array(z.string()),
  leadId: z.string().nullable(),
  supervisorIds: z.array(z.string()),
  calendarId: z.string().nullable(),
  slaPolicyId: z.string().nullable(),
  routingStrategy: z.enum(ROUTING_STRATEGIES),
  capacityDefaults: capacityView,
  createdAt: iso,
  updatedAt: iso,
});
export const TeamPageSchema = z.object({ items: z.array(TeamViewSchema), nextCursor: z.string().nullable() });
export const TeamDetailSchema = TeamViewSchema.extend({ members: z.array(AgentAnySchema) });
export const MeSchema = AgentViewSchema.extend({ teams: z.array(TeamViewSchema) });

export const SessionTokensSchema = z.object({
  token: z.string(),
  refreshToken: z.string(),
  expiresAt: iso,
  refreshExpiresAt: iso,
  agent: z.object({
    id: z.string(),
    name: z.string(),
    email: z.string(),
    role: z.enum(ROLES),
    teamIds: z.array(z.string()),
  }),
});

export const AuditPageSchema = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      at: iso,
      actorId: z.string().nullable(),
      action: z.string(),
      subjectType: z.string().nullable(),
      subjectId: z.string().nullable(),
      details: z.record(z.string(), z.unknown()).nullable(),
    }),
  ),
  nextCursor: z.string().nullable(),
});

export const ApiTokenViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  hint: z.string(),
  scopes: z.array(z.string()),
  createdBy: z.string(),
  createdAt: iso,
  expiresAt: iso.nullable(),
  revokedAt: iso.nullable(),
  lastUsedAt: iso.nullable(),
});
/** The answer to making a token: the only time the secret is shown. */
export const CreatedApiTokenSchema = ApiTokenViewSchema.extend({ token: z.string() });
