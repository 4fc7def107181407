import type { SocketPrincipal } from '../../realtime/socket-server';
import { rooms } from '../../realtime/socket-events';

/** Who can see a conversation live: its assignee, its team, and the supervisors. */
export interface ConversationAudience {
  assigneeId?: string | null;
  teamId?: string | null;
  /** Also told (an assignment moved the conversation away from them). */
  previousAssigneeId?: string | null;
}

/** The rooms an event about a conversation goes to. Supervisors always see everything. */
export function conversationRooms(audience: ConversationAudience): string[] {
  const result = new Set<string>();
  if (audience.assigneeId) result.add(rooms.agent(audience.assigneeId));
  if (audience.previousAssigneeId) result.add(rooms.agent(audience.previousAssigneeId));
  if (audience.teamId) result.add(rooms.team(audience.teamId));
  result.add(rooms.supervisors());
  return [...result];
}

/** The rooms an authenticated /agent socket joins on connection. */
export function principalRooms(principal: SocketPrincipal): string[] {
  const result = [rooms.agent(principal.agentId), ...principal.teamIds.map((teamId) => rooms.team(teamId))];
  if (principal.role === 'supervisor' || principal.role === 'admin') result.push(rooms.supervisors());
  if (principal.sessionId) result.push(rooms.session(principal.sessionId));
  return [...new Set(result)];
}
