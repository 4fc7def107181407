/**
 * Who gets offered a conversation, pure. Eligibility (online, in the team, skills, language, free capacity
 * on the channel, has not already declined or let this conversation expire) and the order by strategy.
 */
import type { Capacity, CapacityChannel } from '../agents';

export const ROUTING_STRATEGIES = ['longest-idle', 'least-busy', 'round-robin', 'manual'] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

export interface CandidateAgent {
  agentId: string;
  skills: readonly string[];
  languages: readonly string[];
  capacity: Capacity;
  load: Partial<Record<CapacityChannel, number>>;
  /** When the agent last became free of work (or came online). */
  idleSince: Date;
  /** When the agent was last offered anything (round robin). */
  lastOfferedAt: Date | null;
}

export interface Requirement {
  capacityClass: CapacityChannel;
  skills: readonly string[];
  language?: string | null;
  /** Agents who declined this conversation or let its offer expire: the next agent gets it. */
  excludedAgentIds: readonly string[];
}

const normalizeLanguage = (tag: string) => tag.toLowerCase().split(/[-_]/)[0] ?? '';

export function isEligible(agent: CandidateAgent, requirement: Requirement): boolean {
  if (requirement.excludedAgentIds.includes(agent.agentId)) return false;
  if ((agent.load[requirement.capacityClass] ?? 0) >= agent.capacity[requirement.capacityClass]) return false;
  if (!requirement.skills.every((skill) => agent.skills.includes(skill))) return false;
  if (requirement.language) {
    const wanted = normalizeLanguage(requirement.language);
    if (!agent.languages.some((language) => normalizeLanguage(language) === wanted)) return false;
  }
  return true;
}

function totalLoadRatio(agent: CandidateAgent): number {
  let ratio = 0;
  for (const [channel, count] of Object.entries(agent.load) as [CapacityChannel, number][]) {
    const capacity = agent.capacity[channel];
    if (capacity > 0) ratio += count / capacity;
  }
  return ratio;
}

/** Eligible agents, best first, by the team's strategy (ties: longest idle, then id for stability). */
export function rankCandidates(
  strategy: RoutingStrategy,
  agents: readonly CandidateAgent[],
  requirement: Requirement,
): CandidateAgent[] {
  const eligible = agents.filter((agent) => isEligible(agent, requirement));
  const byIdle = (a: CandidateAgent, b: CandidateAgent) =>
    a.idleSince.getTime() - b.idleSince.getTime() || a.agentId.localeCompare(b.agentId);
  switch (strategy) {
    case 'least-busy':
      return eligible.sort((a, b) => totalLoadRatio(a) - totalLoadRatio(b) || byIdle(a, b));
    case 'round-robin':
      return eligible.sort(
        (a, b) => (a.lastOfferedAt?.getTime() ?? 0) - (b.lastOfferedAt?.getTime() ?? 0) || byIdle(a, b),
      );
    case 'manual':
      return [];
    case 'longest-idle':
    default:
      return eligible.sort(byIdle);
  }
}
