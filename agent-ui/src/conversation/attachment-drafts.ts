/**
 * Files an agent attached in the composer, per conversation, kept in memory outside React: switching to
 * another conversation and back keeps them (an upload still running finishes meanwhile); a reload drops
 * them (the hub deletes unsent uploads after UPLOAD_UNSENT_TTL_HOURS). Each file uploads the moment it is
 * added; a refused one stays as a chip with the server's reason code until the agent removes it.
 */
import { useSyncExternalStore } from 'react';
import { ApiError, uploadAttachment } from '../lib/api-client';

/** The hub's limit per reply (`MAX_REPLY_ATTACHMENTS` in the conversation API). */
export const MAX_ATTACHMENTS = 10;

export interface AttachmentDraft {
  /** Local key (a chip), not the upload id. */
  key: string;
  name: string;
  size: number;
  contentType: string;
  state: 'uploading' | 'ready' | 'refused';
  /** 0..1 while uploading. */
  progress: number;
  /** The upload id a reply lists, once ready. */
  uploadId?: string;
  /** Why it was refused: the server's error code (PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, NETWORK…). */
  errorCode?: string;
}

type Listener = () => void;
const drafts = new Map<string, AttachmentDraft[]>();
const controllers = new Map<string, AbortController>();
const listeners = new Set<Listener>();
const EMPTY: AttachmentDraft[] = [];
let counter = 0;

function set(conversationId: string, next: AttachmentDraft[]): void {
  if (next.length) drafts.set(conversationId, next);
  else drafts.delete(conversationId);
  listeners.forEach((listener) => listener());
}

function update(conversationId: string, key: string, patch: Partial<AttachmentDraft>): void {
  const current = drafts.get(conversationId) ?? EMPTY;
  if (!current.some((item) => item.key === key)) return; // removed meanwhile
  set(
    conversationId,
    current.map((item) => (item.key === key ? { ...item, ...patch } : item)),
  );
}

export function listAttachments(conversationId: string): AttachmentDraft[] {
  return drafts.get(conversationId) ?? EMPTY;
}

/** Starts uploading each file; files beyond the per-reply limit are not added (returns how many were). */
export function addFiles(conversationId: string, files: readonly File[]): number {
  const room = MAX_ATTACHMENTS - listAttachments(conversationId).filter((a) => a.state !== 'refused').length;
  const accepted = files.slice(0, Math.max(0, room));
  for (const file of accepted) {
    counter += 1;
    const key = `a${counter}`;
    const controller = new AbortController();
    controllers.set(key, controller);
    set(conversationId, [
      ...listAttachments(conversationId),
      {
        key,
        name: file.name || 'file',
        size: file.size,
        contentType: file.type || 'application/octet-stream',
        state: 'uploading',
        progress: 0,
      },
    ]);
    uploadAttachment(conversationId, file, {
      signal: controller.signal,
      onProgress: (sent, total) => update(conversationId, key, { progress: total ? sent / total : 0 }),
    })
      .then((reference) =>
        update(conversationId, key, { state: 'ready', progress: 1, uploadId: reference.id }),
      )
      .catch((error: unknown) => {
        const code = error instanceof ApiError ? error.code : 'ERROR';
        if (code !== 'ABORTED') update(conversationId, key, { state: 'refused', errorCode: code });
      })
      .finally(() => controllers.delete(key));
  }
  return accepted.length;
}

/** Removes a chip (aborting its upload if it still runs). */
export function removeAttachment(conversationId: string, key: string): void {
  controllers.get(key)?.abort();
  set(
    conversationId,
    listAttachments(conversationId).filter((item) => item.key !== key),
  );
}

/** After a send: the sent files and the refused chips go; files added meanwhile stay. */
export function clearSent(conversationId: string, sentKeys: readonly string[]): void {
  const sent = new Set(sentKeys);
  set(
    conversationId,
    listAttachments(conversationId).filter((item) => !sent.has(item.key) && item.state !== 'refused'),
  );
}

function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The conversation's attachment chips, live. */
export function useAttachmentDrafts(conversationId: string): AttachmentDraft[] {
  return useSyncExternalStore(subscribe, () => listAttachments(conversationId));
}
