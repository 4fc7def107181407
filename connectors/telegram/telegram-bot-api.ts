import { SendError } from '../channel';
import { classifyHttpFailure, fetchProvider } from '../social/provider-errors';
import { BotApiAnswerSchema } from './telegram-payloads';

/**
 * A Bot API client for one bot. The token is part of every Bot API URL (`/bot<token>/<method>`), so URLs
 * built here are never logged and never leave this file: errors name the method only.
 */
export interface BotApi {
  call(method: string, body: Record<string, unknown> | FormData): Promise<unknown>;
  /** Opens a file by its `file_id` (getFile, then the file download). */
  openFile(fileId: string): Promise<Response | null>;
}

/** Bot API answers that are throttling or Telegram-side trouble despite a 4xx status. */
const TRANSIENT_DESCRIPTIONS = /too many requests|retry after|internal server error|bad gateway/i;

export function createBotApi(options: { apiBase: string; botToken: string; timeoutMs?: number }): BotApi {
  const base = options.apiBase.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const call = async (method: string, body: Record<string, unknown> | FormData): Promise<unknown> => {
    const isForm = body instanceof FormData;
    const response = await fetchProvider('Telegram', `${base}/bot${options.botToken}/${method}`, {
      method: 'POST',
      ...(isForm ? {} : { headers: { 'content-type': 'application/json' } }),
      body: isForm ? body : JSON.stringify(body),
      timeoutMs,
    });
    const answer = BotApiAnswerSchema.safeParse(await response.json().catch(() => null));
    if (response.ok && answer.success && answer.data.ok) return answer.data.result;
    const description = answer.success ? answer.data.description : undefined;
    const status = answer.success && answer.data.error_code ? answer.data.error_code : response.status;
    if (status >= 400 && status < 500 && description && TRANSIENT_DESCRIPTIONS.test(description))
      throw new SendError(`Telegram ${method}: ${description}`, {
        permanent: false,
        providerCode: String(status),
      });
    throw classifyHttpFailure({
      provider: `Telegram ${method}`,
      status: response.ok ? 502 : status,
      code: status,
      message: description ?? `answered ${response.status}`,
    });
  };
  return {
    call,
    async openFile(fileId) {
      const file = (await call('getFile', { file_id: fileId })) as { file_path?: unknown } | undefined;
      if (!file || typeof file.file_path !== 'string') return null;
      const path = file.file_path.split('/').map(encodeURIComponent).join('/');
      return fetchProvider('Telegram', `${base}/file/bot${options.botToken}/${path}`, {
        method: 'GET',
        timeoutMs,
      });
    },
  };
}
