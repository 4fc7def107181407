/**
 * The automation ports built from the owning modules' public services (structural types, so this module
 * imports none of them): facts for conditions, and each action through the service that owns the data.
 */
import { randomUUID } from 'node:crypto';
import type { AutomationFacts } from './automation-conditions';
import type { AutomationPorts } from './automation-engine';

interface ConversationFacts {
  number?: number;
  status: string;
  priority: string;
  category: string;
  primaryChannel: string;
  lastInbound?: { channel?: string } | null;
  teamId: string | null;
  assigneeId: string | null;
  ownerId?: string | null;
  inboxId?: string | null;
  tags?: string[];
  contactId: string;
}

export interface AutomationPortDeps {
  findConversation(id: string): Promise<ConversationFacts | null>;
  findContact(id: string): Promise<{
    tier?: string | null;
    tags?: string[];
    locale?: string | null;
    rfmSegment?: string | null;
    attributes?: Record<string, unknown>;
  } | null>;
  findMessageText(id: string): Promise<string | null>;
  /** Whether it is business time now on the team's calendar (true without a calendar). */
  isBusinessTime(teamId: string | null): Promise<boolean>;
  assign(id: string, input: { assigneeId: string | null; teamId?: string | null }): Promise<unknown>;
  setPriority(id: string, priority: string): Promise<unknown>;
  setCategory(id: string, category: string): Promise<unknown>;
  updateTags(id: string, input: { add: string[]; remove: string[] }): Promise<unknown>;
  setStatus(id: string, status: string): Promise<unknown>;
  addNote(id: string, text: string): Promise<unknown>;
  /**
   * Sends a template to the customer through the automated path; `isReplyWindowOpen` (a channel's
   * checker, e.g. WhatsApp's 24 h window) is asked first when given.
   */
  sendTemplate(id: string, template: string): Promise<void>;
  isReplyWindowOpen?(id: string): Promise<boolean>;
  /** A real task (the care module's task store); without it, a note. */
  createTask?(
    id: string,
    input: {
      title: string;
      dueAt: Date;
      ownerId: string | null;
      teamId: string | null;
      contactId: string;
    },
  ): Promise<unknown>;
  /** Staff notices (socket event, email); without it, a note naming who it is for. */
  notifyStaff?(input: {
    agentIds: string[];
    teamIds: string[];
    text: string;
    conversationId: string;
    conversationNumber?: number;
    key: string;
  }): Promise<unknown>;
}

export function createAutomationPorts(deps: AutomationPortDeps): AutomationPorts {
  return {
    async loadFacts(conversationId, messageId) {
      const conversation = await deps.findConversation(conversationId);
      if (!conversation) return null;
      const contact = await deps.findContact(conversation.contactId);
      const facts: AutomationFacts = {
        conversation: {
          status: conversation.status,
          priority: conversation.priority,
          category: conversation.category,
          channel: conversation.lastInbound?.channel ?? conversation.primaryChannel,
          teamId: conversation.teamId ?? null,
          assigneeId: conversation.assigneeId ?? null,
          inboxId: conversation.inboxId ?? null,
          tags: conversation.tags ?? [],
        },
        contact: contact
          ? {
              tier: contact.tier ?? null,
              tags: contact.tags ?? [],
              locale: contact.locale ?? null,
              rfmSegment: contact.rfmSegment ?? null,
              attributes: contact.attributes ?? {},
            }
          : null,
        message: messageId ? { text: (await deps.findMessageText(messageId)) ?? '' } : null,
        businessHours: await deps.isBusinessTime(conversation.teamId ?? null),
      };
      return facts;
    },
    assign: (id, input) => deps.assign(id, { assigneeId: input.assigneeId ?? null, teamId: input.teamId }),
    setPriority: (id, priority) => deps.setPriority(id, priority),
    setCategory: (id, category) => deps.setCategory(id, category),
    updateTags: (id, input) => deps.updateTags(id, input),
    setStatus: (id, status) => deps.setStatus(id, status),
    addNote: (id, text) => deps.addNote(id, text),
    async notify(id, input) {
      const conversation = await deps.findConversation(id);
      if (!deps.notifyStaff || !conversation) {
        await deps.addNote(id, `🔔 ${input.to.join(', ')}: ${input.text}`);
        return;
      }
      const agentIds: string[] = [];
      const teamIds: string[] = [];
      if (input.to.includes('assignee') && conversation.assigneeId) agentIds.push(conversation.assigneeId);
      if (input.to.includes('owner') && conversation.ownerId) agentIds.push(conversation.ownerId);
      if (input.to.includes('team') && conversation.teamId) teamIds.push(conversation.teamId);
      await deps.notifyStaff({
        agentIds,
        teamIds,
        text: input.text,
        conversationId: id,
        ...(conversation.number ? { conversationNumber: conversation.number } : {}),
        key: `${id}:${randomUUID()}`,
      });
    },
    async sendTemplate(id, template) {
      if (deps.isReplyWindowOpen && !(await deps.isReplyWindowOpen(id))) return false;
      await deps.sendTemplate(id, template);
      return true;
    },
    async createTask(id, input) {
      const conversation = await deps.findConversation(id);
      if (deps.createTask && conversation)
        await deps.createTask(id, {
          ...input,
          ownerId: conversation.ownerId ?? conversation.assigneeId ?? null,
          teamId: conversation.teamId ?? null,
          contactId: conversation.contactId,
        });
      else await deps.addNote(id, `📋 ${input.title} (${input.dueAt.toISOString()})`);
    },
  };
}
