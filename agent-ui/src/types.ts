import type { ConversationSummary, MessageSummary } from '../../server/realtime/socket-events';

export type { ConversationSummary, MessageSummary };

/** `GET /api/conversations/:id` (the parts the app shows). */
export interface ConversationDetail extends ConversationSummary {
  tags: string[];
  channels: string[];
  contact: ConversationSummary['contact'] & { phones?: string[]; emails?: string[] };
  sla?: {
    firstResponseDueAt?: string | null;
    resolutionDueAt?: string | null;
    nextResponseDueAt?: string | null;
  } | null;
}

export interface TimelineMessage extends MessageSummary {
  error?: { code: string; message: string } | null;
  call?: { status?: string; durationSec?: number; recordingUrl?: string; transcription?: string } | null;
  isAutomated?: boolean;
  subject?: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}
