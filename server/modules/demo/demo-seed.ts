/**
 * The demo seed: on a database without agents, creates teams, an admin, a supervisor and four agents
 * (through identity's services, so passwords are argon2id hashes), and customer stories across every
 * channel and status, ingested through the real InboundSink so they are what a live system would hold.
 *
 * Idempotent: it runs only while no agent exists, and a marker document claimed by a unique `_id` lets one
 * process seed even when two start at once. Inbound events carry deterministic external ids.
 */
import { Schema, type Connection } from 'mongoose';
import type { InboundEvent, SenderIdentity } from '../../../connectors/channel';
import { isDuplicateKeyError } from '../../infra/mongo-errors';
import type { Clock } from '../../lib/clock';
import type { Logger } from '../../lib/logger';
import type { ConversationsService, TimelineService } from '../conversations';
import type { IngestService } from '../ingest';
import {
  DEMO_AGENTS,
  DEMO_PASSWORD,
  DEMO_STORIES,
  DEMO_TEAMS,
  type DemoMessage,
  type DemoStory,
} from './demo-data';
import { DEMO_CALENDAR, DEMO_POLICIES, DEMO_TEAM_LEADS } from './demo-sla';

/** What the seed needs from identity, structurally (agents service of the agents module). */
export interface DemoIdentity {
  listAgents(filter: { limit: number }): Promise<{ items: unknown[] }>;
  createTeam(input: { name: string; skills?: string[] }, actor: null): Promise<{ id: string }>;
  createAgent(
    input: {
      email: string;
      name: string;
      password: string;
      role?: 'agent' | 'supervisor' | 'admin';
      teamIds?: string[];
      languages?: string[];
      skills?: string[];
    },
    actor: null,
  ): Promise<{ id: string }>;
  /** Sets a team's lead and calendar (the seed acts as the demo admin). */
  updateTeam?(
    id: string,
    input: { leadId?: string | null; calendarId?: string | null },
    actor: { agentId: string; role: 'admin'; teamIds: string[]; sessionId: string },
  ): Promise<unknown>;
}

/** What the seed needs from the SLA admin (calendars and policies), structurally. */
export interface DemoSlaAdmin {
  createCalendar(input: typeof DEMO_CALENDAR): Promise<{ id: string }>;
  createPolicy(
    input: Omit<(typeof DEMO_POLICIES)[number], 'key'> & {
      calendarId: string | null;
      enabled: boolean;
      warningThreshold: number;
    },
  ): Promise<{ id: string }>;
}

/** Demo content other modules seed (canned responses, automations): called once, after agents and teams. */
export type DemoExtraSeeder = (context: {
  agentIds: Map<string, string>;
  teamIds: Map<string, string>;
}) => Promise<void>;

export interface DemoSeedDeps {
  connection: Connection;
  identity: DemoIdentity;
  /** Sets a contact's tier (contacts module); optional. */
  setContactTier?: (contactId: string, tier: 'A' | 'B' | 'C' | 'VIP') => Promise<unknown>;
  /** Calendar and SLA policies, so the quick start has due times; optional. */
  sla?: DemoSlaAdmin;
  /** Further demo content (canned responses, automations), seeded before the stories. */
  extras?: DemoExtraSeeder[];
  /** Demo content that needs the stories' conversations (care's follow-up task), seeded after them. */
  afterStories?: DemoExtraSeeder[];
  ingest: IngestService;
  conversations: ConversationsService;
  timeline: TimelineService;
  clock: Clock;
  logger: Logger;
}

const markerSchema = new Schema(
  { _id: { type: String, required: true }, state: String, at: Date },
  { collection: 'seed_markers', versionKey: false },
);

const MINUTE = 60_000;

/**
 * The config-defined inbox serving each channel on the embedded default (each connector's fixed id), so a
 * reply to a demo conversation goes out through a connector that exists (or fails saying why).
 */
const DEMO_INBOXES: Readonly<Record<string, string>> = {
  sms: 'twilio',
  whatsapp: 'twilio',
  voice: 'twilio',
  email: 'email',
  webchat: 'webchat',
  telegram: 'telegram',
  wechat: 'wechat',
  messenger: 'meta',
  instagram: 'meta',
};

function inboxFor(channel: string): string {
  return DEMO_INBOXES[channel] ?? `demo-${channel}`;
}

function senderFor(story: DemoStory, message: DemoMessage): SenderIdentity {
  const { contact } = story;
  const base = {
    name: contact.name,
    ...(contact.email ? { email: contact.email } : {}),
    ...(contact.phone ? { phone: contact.phone } : {}),
  };
  if (message.channel === 'email') return { ...base, externalId: contact.email! };
  if (['sms', 'whatsapp', 'voice'].includes(message.channel)) return { ...base, externalId: contact.phone! };
  return { ...base, externalId: contact.handle!, handle: contact.handle! };
}

/** The demo logins, for the start-up log. */
export function demoLogins() {
  return DEMO_AGENTS.map((agent) => ({ email: agent.email, password: DEMO_PASSWORD, role: agent.role }));
}

export function createDemoSeeder(deps: DemoSeedDeps) {
  const { identity, conversations, timeline, clock, logger } = deps;
  const Marker = deps.connection.models.SeedMarker ?? deps.connection.model('SeedMarker', markerSchema);

  async function claim(): Promise<boolean> {
    try {
      await Marker.create({ _id: 'demo', state: 'seeding', at: clock.now() });
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  async function seedStory(
    story: DemoStory,
    index: number,
    agentIds: Map<string, string>,
    teamIds: Map<string, string>,
  ) {
    const now = clock.now().getTime();
    let conversationId = '';
    for (const [messageIndex, message] of story.messages.entries()) {
      const event: InboundEvent = {
        channel: message.channel,
        inboxId: inboxFor(message.channel),
        externalId: `demo-${index}-${messageIndex}`,
        occurredAt: new Date(now - message.minutesAgo * MINUTE),
        from: senderFor(story, message),
        kind: message.kind ?? 'message',
        ...(message.text ? { text: message.text } : {}),
        ...(message.subject ? { subject: message.subject } : {}),
        ...(message.call ? { call: { direction: 'inbound' as const, ...message.call } } : {}),
        ...(story.hints ? { hints: story.hints } : {}),
      };
      conversationId = (await deps.ingest.ingest(event)).conversationId;
    }
    const conversation = await conversations.getConversation(conversationId);
    if (story.contact.tier && deps.setContactTier)
      await deps.setContactTier(conversation.contactId, story.contact.tier);
    const teamId = story.team ? (teamIds.get(story.team) ?? null) : null;
    const assigneeId = story.assignee ? (agentIds.get(story.assignee) ?? null) : null;
    // Routing may be queueing the new conversation at the same moment: a guarded assign can lose once.
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await conversations.assign(conversationId, { assigneeId, teamId });
        break;
      } catch (error) {
        if (attempt === 2) throw error;
      }
    }
    for (const reply of story.replies ?? []) {
      const authorId = agentIds.get(reply.agent) ?? null;
      const current = await conversations.getConversation(conversationId);
      const channel = current.lastInbound?.channel ?? current.primaryChannel;
      const seq = await conversations.allocateSeq(conversationId, { openOnly: false });
      const occurredAt = new Date(now - reply.minutesAgo * MINUTE);
      await timeline.insertMessage({
        conversationId,
        contactId: current.contactId,
        seq: seq!,
        direction: 'outbound',
        kind: 'message',
        channel,
        inboxId: current.lastInbound?.inboxId ?? current.inboxId,
        authorId,
        text: reply.text,
        status: 'delivered',
        occurredAt,
      });
      await conversations.recordOutbound(conversationId, { channel, occurredAt, isHuman: true });
    }
    if (story.note)
      await timeline.createReply({
        conversationId,
        authorId: agentIds.get(story.note.agent) ?? 'system',
        text: story.note.text,
        isPrivate: true,
      });
    if (story.tags?.length) await conversations.updateTags(conversationId, { add: story.tags, remove: [] });
    await applyStatus(conversationId, story.status);
    if (story.csat) await conversations.setCsat(conversationId, { score: story.csat });
  }

  async function applyStatus(conversationId: string, status: DemoStory['status']) {
    if (status === 'new') return;
    if (status === 'closed') {
      await conversations.setStatus(conversationId, { status: 'resolved' });
      await conversations.setStatus(conversationId, { status: 'closed' });
      return;
    }
    if (status === 'snoozed') {
      await conversations.setStatus(conversationId, {
        status,
        snoozedUntil: new Date(clock.now().getTime() + 120 * MINUTE),
      });
      return;
    }
    await conversations.setStatus(conversationId, { status });
  }

  /** The calendar, the SLA policies, and each team's lead and calendar. */
  async function seedSla(agentIds: Map<string, string>, teamIds: Map<string, string>) {
    const calendarId = deps.sla ? (await deps.sla.createCalendar(DEMO_CALENDAR)).id : null;
    if (deps.sla)
      for (const { key: _key, ...policy } of DEMO_POLICIES)
        await deps.sla.createPolicy({ ...policy, calendarId, enabled: true, warningThreshold: 0.8 });
    const adminId = agentIds.get('admin');
    if (!identity.updateTeam || !adminId) return;
    const actor = { agentId: adminId, role: 'admin' as const, teamIds: [], sessionId: 'demo-seed' };
    for (const [teamKey, agentKey] of Object.entries(DEMO_TEAM_LEADS)) {
      const teamId = teamIds.get(teamKey);
      if (teamId)
        await identity.updateTeam(teamId, { leadId: agentIds.get(agentKey) ?? null, calendarId }, actor);
    }
  }

  /** Seeds when the database has no agents; returns whether it did. */
  async function seedIfEmpty(): Promise<boolean> {
    const existing = await identity.listAgents({ limit: 1 });
    if (existing.items.length > 0) return false;
    if (!(await claim())) return false;
    const teamIds = new Map<string, string>();
    for (const team of DEMO_TEAMS)
      teamIds.set(
        team.key,
        (await identity.createTeam({ name: team.name, skills: [...team.skills] }, null)).id,
      );
    const agentIds = new Map<string, string>();
    for (const agent of DEMO_AGENTS) {
      const created = await identity.createAgent(
        {
          email: agent.email,
          name: agent.name,
          password: DEMO_PASSWORD,
          role: agent.role,
          teamIds: agent.teams.map((key) => teamIds.get(key)!),
          languages: agent.languages,
          skills: agent.skills,
        },
        null,
      );
      agentIds.set(agent.key, created.id);
    }
    await seedSla(agentIds, teamIds);
    for (const extra of deps.extras ?? []) await extra({ agentIds, teamIds });
    for (const [index, story] of DEMO_STORIES.entries()) await seedStory(story, index, agentIds, teamIds);
    for (const extra of deps.afterStories ?? []) await extra({ agentIds, teamIds });
    await Marker.updateOne({ _id: 'demo' }, { $set: { state: 'done', at: clock.now() } });
    logger.info({ conversations: DEMO_STORIES.length, agents: DEMO_AGENTS.length }, 'demo data seeded');
    return true;
  }

  /** True when this database holds the demo (to print its logins on every start). */
  async function isDemoDatabase(): Promise<boolean> {
    return (await Marker.exists({ _id: 'demo' })) !== null;
  }

  return { seedIfEmpty, isDemoDatabase };
}
