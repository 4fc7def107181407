import mongoose, { type Model } from 'mongoose';
import type { DomainEvents } from '../../domain-events';
import type { Clock } from '../../lib/clock';
import type { EventBus } from '../../lib/event-bus';
import type { Logger } from '../../lib/logger';
import type { AgentsService, AgentView, TeamView } from '../agents';
import type { ConversationDoc } from '../conversations';
import type { RealtimeService } from '../realtime';
import type { LoadLedger } from './load-ledger';
import type { RoutingModels } from './routing.models';

export const op = <T extends object>(operator: T): T => mongoose.trusted(operator);

export interface RoutingSettings {
  offerTimeoutMs: number;
  voiceOfferTimeoutMs: number;
  disconnectGraceMs: number;
  maxConsecutiveExpiries: number;
  unansweredTimeoutMs: number;
  agingMsPerPoint: number;
  autoAccept: boolean;
}

/** Delayed work the routing engine schedules (bull jobs in production; see routing.jobs.ts). */
export interface RoutingTimers {
  offerExpiry(offerId: string, at: Date): Promise<void>;
  presenceGrace(agentId: string, disconnectedAt: Date, at: Date): Promise<void>;
  unanswered(conversationId: string, assignedAt: Date, at: Date): Promise<void>;
}

/** What every part of the routing engine shares. */
export interface RoutingContext {
  models: RoutingModels;
  Conversation: Model<ConversationDoc>;
  agents: AgentsService;
  realtime: Pick<RealtimeService, 'publish'>;
  events: EventBus<DomainEvents>;
  ledger: LoadLedger;
  clock: Clock;
  logger: Logger;
  settings: RoutingSettings;
  timers: RoutingTimers;
  /** Team members and team settings change rarely; dispatch reads them through a short cache. */
  teamMembers(teamId: string): Promise<AgentView[]>;
  team(teamId: string): Promise<TeamView | null>;
}

/** A tiny time-bounded cache for hot, rarely-changing reads. */
export function cached<T>(ttlMs: number, load: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const entries = new Map<string, { at: number; value: Promise<T> }>();
  return (key) => {
    const hit = entries.get(key);
    if (hit && Date.now() - hit.at < ttlMs) return hit.value;
    const value = load(key);
    value.catch(() => entries.delete(key));
    entries.set(key, { at: Date.now(), value });
    return value;
  };
}
