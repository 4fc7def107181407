/** Composer drafts per conversation (text, mode, subject), kept across switches and reloads. */
import { storedValue, storeValue } from './session';

export interface Draft {
  text: string;
  isNote: boolean;
  subject?: string;
  /** Email copies, as typed (comma-separated addresses). */
  cc?: string;
  channel?: string;
}

export function loadDraft(conversationId: string): Draft {
  return storedValue<Draft>(`draft.${conversationId}`, { text: '', isNote: false });
}

export function saveDraft(conversationId: string, draft: Draft): void {
  const empty = !draft.text && !draft.subject && !draft.cc;
  storeValue(`draft.${conversationId}`, empty && !draft.isNote ? undefined : draft);
}
