/**
 * The shapes the REST API answers with (the parts the app reads). Enum types come from the shared socket
 * contract and the connector contract, so a new status or channel is a type error here, not a silent gap.
 */
import type { ChannelKind, DeliveryStatus } from '../../../connectors/channel';
import type {
  ConversationSummary,
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
