/**
 * Builds the data a canned response is rendered with from a conversation the viewer may see: the contact,
 * the ticket number, the agent, the complaint owner, the team and the promised time (the next SLA due
 * time that is running). Reads through ports the hub passes, never other modules' collections.
 */
import { AppError } from '../../lib/app-error';
import type { CannedContextLoader } from './canned-responses.routes';

export interface CannedConversationFacts {
  number: number;
  contactId: string;
  subject?: string | null;
  teamId?: string | null;
  assigneeId?: string | null;
  ownerId?: string | null;
  /** The conversation's SLA sub-document (timezone and due times are read when present). */
  sla?: Record<string, unknown> | null;
}

export function createCannedContextLoader(deps: {
  findConversation(id: string): Promise<CannedConversationFacts | null>;
  canSee(
    viewer: { agentId: string; role: string; teamIds: string[] },
    conversation: CannedConversationFacts,
  ): boolean;
  findContact(id: string): Promise<{ name?: string | null; tier?: string | null; timezone?: string | null } | null>;
  findAgentName(id: string): Promise<string | null>;
  findTeamName(id: string): Promise<string | null>;
}): CannedContextLoader {
  return async (conversationId, viewer) => {
    const conversation = await deps.findConversation(conversationId);
    if (!conversation || !deps.canSee(viewer, conversation))
      throw new AppError('NOT_FOUND', { userMessage: 'No such conversation.' });
    const contact = await deps.findContact(conversation.contactId);
    const sla = conversation.sla ?? {};
    const due = (name: string) => (sla[name] instanceof Date || typeof sla[name] === 'string' ? sla[name] : null);
    const promised = due('nextResponseDueAt') ?? due('firstResponseDueAt') ?? due('resolutionDueAt');
    return {
      contactName: contact?.name ?? null,
      number: conversation.number,
      agentName: await deps.findAgentName(viewer.agentId),
      ownerName: conversation.ownerId ? await deps.findAgentName(conversation.ownerId) : null,
      teamName: conversation.teamId ? await deps.findTeamName(conversation.teamId) : null,
      promisedAt: promised ? new Date(promised) : null,
      timezone: (typeof sla.timezone === 'string' ? sla.timezone : null) ?? contact?.timezone ?? null,
      subject: conversation.subject ?? null,
      tier: contact?.tier ?? null,
    };
  };
}
