/**
 * The shapes the REST API answers with (the parts the app reads). Enum types come from the shared socket
 * contract and the connector contract, so a new status or channel is a type error here, not a silent gap.
 */
import type { ChannelKind, DeliveryStatus } from '../../../connectors/channel';
import type {
  ConversationSummary,
  MentionSummary,
  MessageSummary,
  PresenceStatus,
} from '../../../server/realtime/socket-events';

export type { ChannelKind, ConversationSummary, DeliveryStatus, MessageSummary, PresenceStatus };
export type ConversationStatus = ConversationSummary['status'];
export type Priority = ConversationSummary['priority'];
export type Category = ConversationSummary['category'];
export type Role = 'agent' | 'supervisor' | 'admin';
export type SlaTarget = 'firstResponse' | 'nextResponse' | 'resolution';
export type RoutingStrategy = 'longest-idle' | 'least-busy' | 'round-robin' | 'manual';
export type ReportGroup = 'team' | 'agent' | 'channel' | 'category' | 'priority';

export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

export interface SessionAgent {
  id: string;
  name: string;
  email: string;
  role: Role;
  teamIds: string[];
}

export interface LastMessagePreview {
  direction: MessageSummary['direction'];
  kind: MessageSummary['kind'];
  channel: string;
  text: string;
  occurredAt: string;
}

export interface SlaState {
  policyId?: string;
  policyName?: string;
  nextDueAt?: string | null;
  firstResponseDueAt?: string | null;
  nextResponseDueAt?: string | null;
  resolutionDueAt?: string | null;
  pausedAt?: string | null;
  breaches?: { target: string; at?: string }[];
  [key: string]: unknown;
}

/** A conversation as `GET /api/conversations` and `/:id` answer. */
export interface ConversationView extends ConversationSummary {
  channels: string[];
  inboxId: string;
  tags: string[];
  ownerId: string | null;
  snoozedUntil: string | null;
  sla: SlaState | null;
  metrics: {
    firstInboundAt: string | null;
    firstHumanResponseAt: string | null;
    lastInboundAt: string | null;
    lastOutboundAt: string | null;
    resolvedAt: string | null;
    reopenCount: number;
  };
  csat: { score: number; comment: string | null } | null;
  createdAt?: string;
  lastMessage?: LastMessagePreview | null;
}

export interface ContactIdentity {
  channel: string;
  externalId: string;
  handle?: string;
}

export interface ContactView {
  id: string;
  name?: string;
  emails?: string[];
  phones?: string[];
  identities?: ContactIdentity[];
  tier?: string | null;
  rfmSegment?: string | null;
  tags?: string[];
  organizationId?: string | null;
  organization?: { id: string; name: string } | null;
  birthday?: string | null;
  locale?: string | null;
  careOptOut?: boolean;
  mergedInto?: string | null;
  relationships?: { contactId?: string; organizationId?: string; kind: string }[];
}

export interface ConversationDetail extends ConversationView {
  contact: ConversationSummary['contact'] & Partial<ContactView>;
}

export interface Attachment {
  id: string;
  filename: string | null;
  contentType: string;
  size: number | null;
  storageKey?: string | null;
}

export interface TimelineMessage extends MessageSummary {
  subject?: string | null;
  attachments?: Attachment[];
  error?: { code: string; message: string } | null;
  call?: {
    status?: string;
    durationSec?: number;
    recordingUrl?: string;
    recordingKey?: string;
    transcription?: string;
  } | null;
  isAutomated?: boolean;
  /** Email only: `htmlWithImages` keeps the remote images `html` lost (shown when the agent asks). */
  email?: { remoteImages?: number; htmlWithImages?: string | null; possibleNewRequest?: boolean } | null;
}

export interface AgentView {
  id: string;
  name: string;
  email?: string;
  role?: Role;
  teamIds?: string[];
  skills?: string[];
  languages?: string[];
  capacity?: Partial<Record<'voice' | 'chat' | 'messaging' | 'email', number>>;
  active?: boolean;
}

export interface TeamView {
  id: string;
  name: string;
  skills?: string[];
  routingStrategy?: RoutingStrategy;
  calendarId?: string | null;
  slaPolicyId?: string | null;
}

export interface LiveView {
  queues: { teamId: string; teamName?: string; depth: number; longestWaitSeconds: number }[];
  agents: { agentId: string; name: string | null; status: PresenceStatus; load: Record<string, number> }[];
  /** Each agent's current (new, open, pending) conversations. */
  assigned: {
    conversationId: string;
    number: number;
    agentId: string;
    contactName: string | null;
    channel: string;
    status: ConversationStatus;
  }[];
  offers: { offerId: string; conversationId: string; agentId: string; expiresAt: string }[];
}

export interface AtRiskItem {
  id: string;
  number: number;
  subject: string | null;
  contactName: string | null;
  channel: string;
  status: ConversationStatus;
  priority: Priority;
  category: Category;
  teamId: string | null;
  assigneeId: string | null;
  policy: string | null;
  target: SlaTarget | null;
  dueAt: string;
  minutesLeft: number;
  breached: boolean;
}

export interface DurationStats {
  count: number;
  median: number | null;
  p90: number | null;
  mean: number | null;
}

export interface ReportRow {
  group: string | null;
  label: string;
  count: number;
  firstResponse: { business: DurationStats; calendar: DurationStats };
  resolution: { business: DurationStats; calendar: DurationStats };
  measured: number;
  compliancePct: number | null;
  breaches: number;
  breachedConversations: number;
  csat: { responses: number; average: number | null; satisfiedPct: number | null; targetPct: number };
}

export interface SlaReport {
  from: string;
  to: string;
  groupBy: ReportGroup;
  rows: ReportRow[];
  totals: ReportRow;
}

export interface TimeRange {
  start: string;
  end: string;
}
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export interface CalendarView {
  id: string;
  name: string;
  timezone: string;
  weekly: Partial<Record<Weekday, TimeRange[]>>;
  holidays: { date: string; name?: string; ranges?: TimeRange[] }[];
}

export interface SlaPolicyView {
  id: string;
  name: string;
  description?: string;
  order: number;
  enabled: boolean;
  isDefault: boolean;
  conditions: {
    categories?: string[];
    priorities?: string[];
    tiers?: string[];
    channels?: string[];
    teamIds?: string[];
  };
  calendarId: string | null;
  targets: Partial<Record<SlaTarget, number>>;
  warningThreshold: number;
}

export interface InboxView {
  id: string;
  name: string;
  channel: ChannelKind;
  address?: string | null;
  teamId?: string | null;
  enabled?: boolean;
  isDefault?: boolean;
  autoReply?: { enabled: boolean; template?: string | null };
  /** Names of the secrets that are set; their values are never sent back. */
  credentials?: Record<string, unknown>;
  credentialKeys?: string[];
}

export interface CannedResponse {
  id: string;
  shortcut: string;
  title: string;
  text: string;
  locale: string;
  scope: string;
}

export type { MentionSummary };

/** The relationship graph around a contact (`/api/contacts/:id/network`). */
export interface NetworkView {
  nodes: {
    type: 'contact' | 'organization';
    id: string;
    name: string;
    depth: number;
    tier?: string | null;
  }[];
  edges: {
    from: { type: 'contact' | 'organization'; id: string };
    to: { type: 'contact' | 'organization'; id: string };
    kind: string;
  }[];
  truncated: boolean;
}

export type TemplateChannel = 'email' | 'sms' | 'chat' | 'voice';
export type TemplateLocale = 'zh-CN' | 'en';
export interface TemplateRef {
  channel: TemplateChannel;
  locale: TemplateLocale;
  key: string;
}
export interface TemplateParts {
  text?: string;
  html?: string;
  subject?: string;
}
export type TemplatePart = keyof TemplateParts;
export interface TemplateSummary extends TemplateRef {
  source: 'file' | 'database';
  version: number;
  parts: string[];
  updatedBy: string | null;
  updatedAt: string | null;
}
export interface TemplateDetail extends Omit<TemplateSummary, 'parts'> {
  parts: TemplateParts;
  fileParts: TemplateParts;
  overriddenParts: string[];
  variables: string[];
}
export interface TemplateProblem {
  kind: 'syntax' | 'unknown-variable' | 'unknown-partial' | 'unsafe-html';
  message: string;
  line: number;
  column: number;
  name?: string;
  /** Which part it is in (save errors say; preview problems are about the parts sent). */
  part?: string;
}
export interface TemplatePreview extends TemplateParts {
  text: string;
  problems: TemplateProblem[];
}
export interface TemplateVersion {
  id: string;
  version: number;
  parts: TemplateParts | null;
  changedParts: string[];
  note?: string;
  changedBy: string;
  changedAt: string;
}

export type AutomationTrigger =
  | { type: 'event'; event: string }
  | { type: 'no_customer_reply'; minutes: number }
  | { type: 'pending_for'; days: number };
export interface AutomationCondition {
  field: string;
  op: 'eq' | 'ne' | 'in' | 'not_in' | 'contains' | 'not_contains' | 'exists' | 'not_exists';
  value?: string | number | boolean | null | (string | number | boolean | null)[];
}
/** An action as stored (`type` plus its own fields). */
export type AutomationAction = { type: string } & Record<string, unknown>;
export interface AutomationRuleInput {
  name: string;
  description?: string;
  enabled: boolean;
  order: number;
  trigger: AutomationTrigger;
  conditions: AutomationCondition[];
  actions: AutomationAction[];
}
export interface AutomationRule extends AutomationRuleInput {
  id: string;
  updatedAt?: string;
}
export interface AutomationDryRun {
  since: string;
  scanned: number;
  matched: { id: string; number: number }[];
}
