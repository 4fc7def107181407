/**
 * What happens once a warning or breach is recorded (the record is the idempotency guard, so each of these
 * runs at most once per conversation, target cycle and kind): a domain event; `sla:warning` /
 * `sla:breached` to the assignee, the owner, the team's supervisors and the supervisors' room; then the
 * policy's escalation steps (notify by socket and email, raise priority, reassign to a team).
 */
import type { DomainEvents } from '../../domain-events';
import type { EventBus } from '../../lib/event-bus';
import type { Logger } from '../../lib/logger';
import { rooms } from '../../realtime/socket-events';
import type { TemplateRenderer } from '../templates';
import { nextBusinessTime } from './business-calendar';
import type { EscalationAction, EscalationRecipient } from './sla-policy-select';
import type { FiredHandler } from './sla.service';
import type { SlaConversation, SlaStore, TeamFacts } from './sla-store';

const PRIORITY_ORDER = ['low', 'normal', 'high', 'urgent'] as const;

/** The realtime publisher (the realtime module's `publish`), typed to the two SLA events. */
export interface SlaPublisher {
  publish(input: {
    event: 'sla:warning' | 'sla:breached';
    payload: { conversationId: string; target: string; dueAt: string };
    rooms: readonly string[];
  }): Promise<string>;
}

/**
 * Outbound email for staff notices, when the deployment has a mail transport (`key`: idempotency;
 * `notBefore`: hold the email until then).
 */
export type StaffMailer = (mail: {
  key: string;
  to: string;
  subject: string;
  text: string;
  notBefore?: Date;
}) => Promise<void>;

/** The conversation changes escalation and complaint handling need (the conversations service's). */
export interface SlaConversationActions {
  setPriority(conversationId: string, priority: string): Promise<unknown>;
  assignTeam(conversationId: string, teamId: string): Promise<unknown>;
}

export interface EscalationDeps {
  store: SlaStore;
  events: EventBus<DomainEvents>;
  templates: TemplateRenderer;
  logger: Logger;
  publicUrl: string;
  realtime?: SlaPublisher;
  mailer?: StaffMailer;
  actions?: SlaConversationActions;
}

/** The higher of the current priority and the step's (one level up when the step names none). */
export function raisedPriority(current: string, to?: string): string | null {
  const index = PRIORITY_ORDER.indexOf(current as (typeof PRIORITY_ORDER)[number]);
  const wanted = to
    ? PRIORITY_ORDER.indexOf(to as (typeof PRIORITY_ORDER)[number])
    : Math.min(index + 1, PRIORITY_ORDER.length - 1);
  return wanted > index ? (PRIORITY_ORDER[wanted] ?? null) : null;
}

function recipientIds(
  who: EscalationRecipient[],
  conversation: SlaConversation,
  team: TeamFacts | null,
): string[] {
  const ids = new Set<string>();
  for (const recipient of who) {
    if (recipient === 'assignee' && conversation.assigneeId) ids.add(conversation.assigneeId);
    if (recipient === 'owner' && conversation.ownerId) ids.add(conversation.ownerId);
    if (recipient === 'teamLead' && team?.leadId) ids.add(team.leadId);
    if (recipient === 'supervisors') team?.supervisorIds.forEach((id) => ids.add(id));
  }
  return [...ids];
}

/**
 * True when the conversation already had this kind of event on this target in an earlier next-response
 * cycle: email notices go out once per conversation, target and kind (the socket events go out for each).
 */
export function repeatsEarlierCycle(
  conversation: SlaConversation,
  event: { key: string; kind: string; target: string; cycle: number },
): boolean {
  return (conversation.sla?.events ?? []).some(
    (other) =>
      other.key !== event.key &&
      other.kind === event.kind &&
      other.target === event.target &&
      other.cycle < event.cycle,
  );
}

export function createEscalationHandler(deps: EscalationDeps): FiredHandler {
  const { store, logger } = deps;
  return async ({ conversation, event, policy, timezone, silent }) => {
    const conversationId = String(conversation._id);
    const team = await store.findTeam(conversation.teamId);
    const base = {
      conversationId,
      target: event.target,
      cycle: event.cycle,
      dueAt: event.dueAt.toISOString(),
      policyId: event.policyId,
    };
    await deps.events.emit(event.kind === 'breach' ? 'sla.breached' : 'sla.warning', base);
    if (silent) return;

    const steps = (policy?.escalations ?? []).filter(
      (step) =>
        step.on === (event.kind === 'breach' ? 'breach' : 'warning') &&
        (step.target === 'any' || step.target === event.target),
    );
    const actions: EscalationAction[] = steps.flatMap((step) => step.actions);
    const audience = new Set(recipientIds(['assignee', 'owner', 'supervisors'], conversation, team));
    const emailTo = new Set<string>();
    for (const action of actions) {
      if (action.type !== 'notify') continue;
      for (const id of recipientIds(action.to, conversation, team)) {
        audience.add(id);
        if (action.email) emailTo.add(id);
      }
    }
    await deps.realtime?.publish({
      event: event.kind === 'breach' ? 'sla:breached' : 'sla:warning',
      payload: { conversationId, target: event.target, dueAt: base.dueAt },
      rooms: [...[...audience].map((id) => rooms.agent(id)), rooms.supervisors()],
    });
    if (emailTo.size && !deps.mailer)
      logger.warn({ conversationId }, 'sla email notice skipped: no mail transport (SMTP_URL) configured');
    else if (emailTo.size && !repeatsEarlierCycle(conversation, event))
      await sendNotices([...emailTo], conversation, event, timezone, await quietUntil(team, event.firedAt));

    for (const action of actions) {
      if (action.type === 'raisePriority') {
        const next = raisedPriority(conversation.priority, action.to);
        if (next && deps.actions) await deps.actions.setPriority(conversationId, next);
      }
      if (action.type === 'reassignTeam' && action.teamId !== conversation.teamId && deps.actions)
        await deps.actions.assignTeam(conversationId, action.teamId);
    }
  };

  /**
   * No email at midnight: outside the team's working hours (its calendar) a notice waits for the next
   * opening. The socket events are not held: whoever is online sees them at once. No team calendar: now.
   */
  async function quietUntil(team: TeamFacts | null, now: Date): Promise<Date | undefined> {
    const calendar = team?.calendarId ? (await store.getRules()).calendars.get(team.calendarId) : undefined;
    if (!calendar) return undefined;
    const opening = nextBusinessTime(calendar, now);
    return opening.getTime() > now.getTime() ? opening : undefined;
  }

  async function sendNotices(
    agentIds: string[],
    conversation: SlaConversation,
    event: { kind: string; target: string; dueAt: Date },
    timezone: string,
    notBefore: Date | undefined,
  ): Promise<void> {
    const agents = await store.findAgents(agentIds);
    for (const agent of agents) {
      if (!agent.email) continue;
      const rendered = deps.templates.render({
        key: 'sla-breach-notice',
        channel: 'email',
        locale: 'en',
        data: {
          kind: event.kind,
          number: conversation.number,
          target: event.target,
          category: conversation.category,
          priority: conversation.priority,
          dueAt: event.dueAt,
          timezone,
          link: `${deps.publicUrl}/app/conversations/${String(conversation._id)}`,
        },
      });
      await deps.mailer!({
        key: `sla:${String(conversation._id)}:${event.target}:${event.kind}:${agent.id}`,
        to: agent.email,
        subject: rendered.subject ?? 'SLA notice',
        text: rendered.text,
        ...(notBefore ? { notBefore } : {}),
      });
    }
  }
}
