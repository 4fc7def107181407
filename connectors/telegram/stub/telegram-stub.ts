import { randomInt } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type { TelegramUpdate } from '../telegram-payloads';

/**
 * A local stand-in for the Telegram Bot API: it answers the methods the connector calls (sendMessage,
 * sendPhoto, sendDocument, setWebhook, getFile, file downloads), records them, and plays the customer by
 * delivering updates to the hub's webhook with the secret token, as Telegram does (update_id growing by
 * one). Tests start it on its own port; the hub mounts it at /telegram-stub in demo mode.
 *
 * Failures on demand: `failNextRequest` (any status and description), and chat ids that fail the way
 * Telegram does: 400 for chat 400 ("chat not found"), 403 for chat 403 (bot blocked), 429 for chat 429.
 */
export interface TelegramStubOptions {
  botToken: string;
  webhookSecret: string;
  /** Where updates are delivered (the hub's address). */
  deliverTo?: string;
  /** The inbox whose webhook path updates go to until setWebhook names another (default `telegram`). */
  inboxId?: string;
  onError?: (error: unknown) => void;
}

export interface StubBotRequest {
  method: string;
  chatId?: string;
  text?: string;
  caption?: string;
  file?: { field: string; filename?: string; contentType: string; size: number };
  at: Date;
  messageId?: number;
}

export interface StubUpdateDelivery {
  status: number;
  update: TelegramUpdate;
}

export interface TelegramStub {
  router: Router;
  requests: StubBotRequest[];
  /** Messages the bot sent (sendMessage/sendPhoto/sendDocument that succeeded). */
  sent: StubBotRequest[];
  webhook: { url: string | null; secret: string | null };
  setDeliverTo(url: string): void;
  failNextRequest(failure: { status: number; description: string; retryAfter?: number }): void;
  /** A private-chat text from a customer, delivered as a fresh update. */
  sendText(input: {
    userId: number;
    text: string;
    firstName?: string;
    username?: string;
  }): Promise<StubUpdateDelivery>;
  /** A photo from a customer (the bytes become downloadable through getFile). */
  sendPhoto(input: {
    userId: number;
    bytes: Buffer;
    caption?: string;
    firstName?: string;
  }): Promise<StubUpdateDelivery>;
  /** Delivers an update exactly as given (fixtures, replays, out-of-order tests). */
  deliver(update: unknown, options?: { secret?: string | null }): Promise<StubUpdateDelivery>;
  nextUpdateId(): number;
}

export function createTelegramStub(options: TelegramStubOptions): TelegramStub {
  let deliverTo = options.deliverTo ?? '';
  // Random starts: two stubs (the hub's and the CLI's) must not reuse each other's message ids.
  let updateId = 100_000 + randomInt(1_000_000_000);
  let messageId = 5_000 + randomInt(1_000_000_000);
  let fileCounter = 0;
  const files = new Map<string, { bytes: Buffer; path: string; contentType: string }>();
  const failures: { status: number; description: string; retryAfter?: number }[] = [];
  const requests: StubBotRequest[] = [];
  const sent: StubBotRequest[] = [];
  const webhook: { url: string | null; secret: string | null } = { url: null, secret: null };

  const answer = (res: Response, status: number, body: Record<string, unknown>) =>
    res.status(status).json(body);
  const fail = (res: Response, status: number, description: string, retryAfter?: number) =>
    answer(res, status, {
      ok: false,
      error_code: status,
      description,
      ...(retryAfter ? { parameters: { retry_after: retryAfter } } : {}),
    });

  async function readParams(
    req: Request,
  ): Promise<{ fields: Record<string, string>; file?: StubBotRequest['file'] }> {
    const type = req.header('content-type') ?? '';
    if (type.startsWith('multipart/form-data')) {
      const form = await new globalThis.Response(new Uint8Array(req.body as Buffer), {
        headers: { 'content-type': type },
      }).formData();
      const fields: Record<string, string> = {};
      let file: StubBotRequest['file'];
      for (const [key, value] of form.entries()) {
        if (typeof value === 'string') fields[key] = value;
        else
          file = {
            field: key,
            ...(value.name ? { filename: value.name } : {}),
            contentType: value.type,
            size: value.size,
          };
      }
      return { fields, ...(file ? { file } : {}) };
    }
    const parsed = JSON.parse((req.body as Buffer).toString('utf8') || '{}') as Record<string, unknown>;
    return {
      fields: Object.fromEntries(
        Object.entries(parsed).map(([key, value]) => [
          key,
          typeof value === 'string' ? value : JSON.stringify(value),
        ]),
      ),
    };
  }

  const router = express.Router();
  router.post('/bot:token/:method', express.raw({ type: () => true, limit: '60mb' }), async (req, res) => {
    if (req.params.token !== options.botToken) return fail(res, 401, 'Unauthorized');
    const method = String(req.params.method);
    const { fields, file } = await readParams(req);
    const record: StubBotRequest = {
      method,
      at: new Date(),
      ...(fields.chat_id ? { chatId: fields.chat_id } : {}),
      ...(fields.text ? { text: fields.text } : {}),
      ...(fields.caption ? { caption: fields.caption } : {}),
      ...(file ? { file } : {}),
    };
    requests.push(record);
    const failure = failures.shift();
    if (failure) return fail(res, failure.status, failure.description, failure.retryAfter);
    switch (method) {
      case 'setWebhook': {
        webhook.url = fields.url ?? null;
        webhook.secret = fields.secret_token ?? null;
        return answer(res, 200, { ok: true, result: true, description: 'Webhook was set' });
      }
      case 'getMe':
        return answer(res, 200, { ok: true, result: { id: 1, is_bot: true, username: 'omnihub_demo_bot' } });
      case 'getFile': {
        const stored = files.get(fields.file_id ?? '');
        if (!stored) return fail(res, 400, 'Bad Request: invalid file_id');
        return answer(res, 200, { ok: true, result: { file_id: fields.file_id, file_path: stored.path } });
      }
      case 'sendMessage':
      case 'sendPhoto':
      case 'sendDocument': {
        if (fields.chat_id === '400') return fail(res, 400, 'Bad Request: chat not found');
        if (fields.chat_id === '403') return fail(res, 403, 'Forbidden: bot was blocked by the user');
        if (fields.chat_id === '429') return fail(res, 429, 'Too Many Requests: retry after 5', 5);
        if (method === 'sendMessage' && !fields.text)
          return fail(res, 400, 'Bad Request: message text is empty');
        record.messageId = ++messageId;
        sent.push(record);
        return answer(res, 200, {
          ok: true,
          result: {
            message_id: record.messageId,
            date: Math.floor(Date.now() / 1000),
            chat: { id: Number(fields.chat_id), type: 'private' },
            ...(fields.text ? { text: fields.text } : {}),
          },
        });
      }
      default:
        return fail(res, 404, 'Not Found: method not found');
    }
  });
  router.get('/file/bot:token/*path', (req, res) => {
    if (req.params.token !== options.botToken) return fail(res, 401, 'Unauthorized');
    const wanted = ([] as string[]).concat(req.params.path).join('/');
    const stored = [...files.values()].find((file) => file.path === wanted);
    if (!stored) return fail(res, 404, 'Not Found');
    res.status(200).type(stored.contentType).send(stored.bytes);
  });

  const targetUrl = () => {
    const path = webhook.url
      ? new URL(webhook.url).pathname
      : `/webhooks/telegram/${options.inboxId ?? 'telegram'}`;
    return `${deliverTo.replace(/\/+$/, '')}${path}`;
  };

  async function deliver(
    update: unknown,
    opts: { secret?: string | null } = {},
  ): Promise<StubUpdateDelivery> {
    const secret = opts.secret === undefined ? (webhook.secret ?? options.webhookSecret) : opts.secret;
    try {
      const response = await fetch(targetUrl(), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(secret === null ? {} : { 'x-telegram-bot-api-secret-token': secret }),
        },
        body: JSON.stringify(update),
      });
      await response.arrayBuffer();
      return { status: response.status, update: update as TelegramUpdate };
    } catch (error) {
      options.onError?.(error);
      throw error;
    }
  }

  const privateMessage = (userId: number, firstName: string | undefined, username?: string) => ({
    message_id: ++messageId,
    date: Math.floor(Date.now() / 1000),
    from: {
      id: userId,
      is_bot: false,
      first_name: firstName ?? 'Customer',
      ...(username ? { username } : {}),
    },
    chat: { id: userId, type: 'private' as const, first_name: firstName ?? 'Customer' },
  });

  return {
    router,
    requests,
    sent,
    webhook,
    setDeliverTo(url) {
      deliverTo = url;
    },
    failNextRequest(failure) {
      failures.push(failure);
    },
    nextUpdateId: () => ++updateId,
    sendText(input) {
      return deliver({
        update_id: ++updateId,
        message: { ...privateMessage(input.userId, input.firstName, input.username), text: input.text },
      });
    },
    sendPhoto(input) {
      const fileId = `stub-photo-${++fileCounter}`;
      files.set(fileId, {
        bytes: input.bytes,
        path: `photos/file_${fileCounter}.jpg`,
        contentType: 'image/jpeg',
      });
      return deliver({
        update_id: ++updateId,
        message: {
          ...privateMessage(input.userId, input.firstName),
          photo: [
            { file_id: fileId, file_unique_id: fileId, width: 90, height: 90, file_size: input.bytes.length },
          ],
          ...(input.caption ? { caption: input.caption } : {}),
        },
      });
    },
    deliver,
  };
}
