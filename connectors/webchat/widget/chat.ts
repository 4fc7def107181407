/**
 * The chat UI inside the hub-served iframe (loaded only when the visitor opens the chat). Plain DOM, every
 * visitor or agent text set with `textContent` (never parsed as HTML). It keeps the messages it holds by
 * id and the last sequence number per conversation: after any reconnect it asks for everything after that
 * number, and a message that arrives both live and in the resume is shown once. Unacknowledged sends are
 * resent with the same client id (the hub stores them once).
 */
import { io, type Socket } from 'socket.io-client';
import type {
  CustomerClientToServerEvents,
  CustomerServerToClientEvents,
  WidgetMessage,
  WidgetSession,
} from '../webchat-events';
import { pickLang, STRINGS } from './i18n';

type ChatSocket = Socket<CustomerServerToClientEvents, CustomerClientToServerEvents>;
type AckResult =
  { ok: true } | { ok: false; error: { code: string; message: string; retryAfterSec?: number } };

const root = document.getElementById('omnihub-chat')!;
const inbox = root.dataset.inbox ?? '';
const lang = pickLang(root.dataset.lang || undefined, navigator.language || 'en');
const text = STRINGS[lang];
document.documentElement.lang = lang;

const options = (() => {
  try {
    return JSON.parse(decodeURIComponent(location.hash.slice(1)) || '{}') as {
      identifier?: string;
      identifierHash?: string;
      name?: string;
      email?: string;
      parentOrigin?: string;
    };
  } catch {
    return {};
  }
})();
const tokenKey = `omnihub-chat:${inbox}:visitor`;
/** The visitor token: kept in localStorage when allowed, always in memory (the latest one issued). */
let currentToken: string | null = null;
const storage = {
  get: () => {
    try {
      return localStorage.getItem(tokenKey) ?? currentToken;
    } catch {
      return currentToken;
    }
  },
  set: (value: string) => {
    currentToken = value;
    try {
      localStorage.setItem(tokenKey, value);
    } catch {
      // Blocked storage: the history lasts as long as the page.
    }
  },
};

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string>> = {},
  children: (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined) continue;
    if (key === 'text') node.textContent = value;
    else if (key === 'class') node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

// --- layout -------------------------------------------------------------------------------------------
const closeButton = el('button', { type: 'button', class: 'close', 'aria-label': text.close, text: '×' });
const statusLine = el('p', { class: 'status', role: 'status', text: text.connecting });
const header = el('header', {}, [el('h1', { text: text.title }), statusLine, closeButton]);
const log = el('ol', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': text.title });
const typingLine = el('p', { class: 'typing', hidden: '', text: text.typing });
const queueLine = el('p', { class: 'queue', hidden: '', 'aria-live': 'polite' });
const notice = el('p', { class: 'notice', role: 'alert', hidden: '' });
const prechat = el('form', { class: 'prechat', hidden: '' });
const csat = el('form', { class: 'csat', hidden: '' });
const input = el('textarea', { rows: '2', placeholder: text.placeholder, 'aria-label': text.placeholder });
const fileInput = el('input', { type: 'file', class: 'file', 'aria-label': text.attach });
const sendButton = el('button', { type: 'submit', text: text.send });
const composer = el('form', { class: 'composer' }, [
  input,
  el('label', { class: 'attach', title: text.attach }, ['📎', fileInput]),
  sendButton,
]);
root.append(header, queueLine, log, typingLine, notice, prechat, csat, composer);

// --- state --------------------------------------------------------------------------------------------
const messages = new Map<string, WidgetMessage>();
const pending = new Map<string, { text: string; element: HTMLLIElement }>();
const lastSeq = new Map<string, number>();
let session: WidgetSession | null = null;
let conversationId: string | null = null;
let typingTimer: ReturnType<typeof setTimeout> | undefined;
let lastTypingSent = 0;
let historyRunning: Promise<void> | null = null;

const newClientId = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');

function showNotice(message: string | null) {
  notice.hidden = !message;
  notice.textContent = message ?? '';
}

function bubble(message: {
  from: 'visitor' | 'agent';
  text: string;
  attachments?: WidgetMessage['attachments'];
}) {
  const item = el('li', { class: `msg ${message.from}` });
  item.append(el('span', { class: 'who', text: message.from === 'visitor' ? text.you : text.agent }));
  item.append(el('span', { class: 'body', text: message.text }));
  for (const attachment of message.attachments ?? []) item.append(attachmentView(attachment));
  return item;
}

/** Downloaded files by hub path (object URLs), fetched once with the visitor token. */
const files = new Map<string, Promise<string>>();
function fetchFile(url: string): Promise<string> {
  let file = files.get(url);
  if (!file) {
    file = fetch(url, { headers: { authorization: `Bearer ${storage.get() ?? ''}` } }).then(async (res) => {
      if (!res.ok) throw new Error(`download failed: ${res.status}`);
      return URL.createObjectURL(await res.blob());
    });
    file.catch(() => files.delete(url));
    files.set(url, file);
  }
  return file;
}

/** An image inline, any other file as a download link (both through the authenticated endpoint). */
function attachmentView(attachment: WidgetMessage['attachments'][number]): HTMLElement {
  const name = attachment.filename ?? attachment.contentType;
  if (attachment.contentType.startsWith('image/')) {
    const image = el('img', { class: 'inline', alt: name });
    void fetchFile(attachment.url)
      .then((src) => (image.src = src))
      .catch(() => image.replaceWith(el('span', { class: 'file-name', text: `📎 ${name}` })));
    return image;
  }
  const link = el('a', {
    class: 'file-link',
    href: '#',
    'aria-label': text.download(name),
    text: `📎 ${name}`,
  });
  link.addEventListener('click', (event) => {
    event.preventDefault();
    void fetchFile(attachment.url)
      .then((href) => {
        const save = el('a', { href, download: name });
        document.body.append(save);
        save.click();
        save.remove();
      })
      .catch(() => showNotice(text.error));
  });
  return link;
}

function order(a: WidgetMessage, b: WidgetMessage) {
  return a.conversationId === b.conversationId ? a.seq - b.seq : a.occurredAt.localeCompare(b.occurredAt);
}

function render() {
  const sorted = [...messages.values()].sort(order);
  const items = sorted.map((message) => {
    const item = bubble(message);
    item.dataset.id = message.id;
    item.dataset.seq = String(message.seq);
    if (message.from === 'visitor' && message.status === 'read')
      item.append(el('span', { class: 'meta', text: text.read }));
    return item;
  });
  log.replaceChildren(...items, ...[...pending.values()].map((p) => p.element));
  log.scrollTop = log.scrollHeight;
  markRead();
}

function add(message: WidgetMessage) {
  if (message.clientId) {
    const waiting = pending.get(message.clientId);
    if (waiting) pending.delete(message.clientId);
  }
  messages.set(message.id, message);
  if (message.seq > (lastSeq.get(message.conversationId) ?? 0))
    lastSeq.set(message.conversationId, message.seq);
  if (message.conversationId !== conversationId && message.seq > 0) conversationId = message.conversationId;
  if (message.from === 'agent') typingLine.hidden = true;
  render();
}

function markRead() {
  if (!socket.connected || document.visibilityState !== 'visible' || !conversationId) return;
  const agentSeqs = [...messages.values()]
    .filter((m) => m.from === 'agent' && m.conversationId === conversationId)
    .map((m) => m.seq);
  if (agentSeqs.length) socket.emit('read', { seq: Math.max(...agentSeqs) });
}

// --- socket -------------------------------------------------------------------------------------------
const socket: ChatSocket = io(`${location.origin}/customer`, {
  transports: ['websocket', 'polling'],
  auth: (cb) =>
    cb({
      inbox,
      locale: lang,
      ...(storage.get() ? { token: storage.get() } : {}),
      ...(options.identifier && options.identifierHash
        ? { identity: { identifier: options.identifier, identifierHash: options.identifierHash } }
        : {}),
    }),
});

async function syncHistory(): Promise<void> {
  for (let page = 0; page < 50; page++) {
    const afterSeq = conversationId ? (lastSeq.get(conversationId) ?? 0) : 0;
    const result = (await socket.timeout(15_000).emitWithAck('history', { afterSeq })) as AckResult & {
      conversationId?: string | null;
      items?: WidgetMessage[];
      hasMore?: boolean;
    };
    if (!result.ok) return;
    if (result.conversationId && result.conversationId !== conversationId)
      conversationId = result.conversationId;
    for (const message of result.items ?? []) add(message);
    if (!result.hasMore) return;
  }
}

function resync() {
  historyRunning ??= syncHistory()
    .catch(() => undefined)
    .finally(() => {
      historyRunning = null;
    });
  return historyRunning;
}

async function deliver(clientId: string, body: string): Promise<void> {
  try {
    const result = (await socket
      .timeout(15_000)
      .emitWithAck('message:send', { clientId, text: body })) as AckResult & {
      message?: WidgetMessage;
    };
    if (result.ok && result.message) {
      add(result.message);
      // No agent yet: ask where the conversation stands once routing has queued it.
      if ([...messages.values()].every((m) => m.from === 'visitor')) refreshQueue(1_500);
      return;
    }
    if (!result.ok) {
      pending.get(clientId)?.element.remove();
      pending.delete(clientId);
      if (result.error.code === 'RATE_LIMITED')
        showNotice(text.rateLimited(result.error.retryAfterSec ?? 60));
      else if (result.error.code === 'TOO_LARGE') showNotice(text.tooLong(session?.limits.maxChars ?? 4000));
      else if (result.error.code === 'PROFILE_REQUIRED') showPrechat();
      else showNotice(result.error.message || text.error);
      if (!input.value) input.value = body;
    }
  } catch {
    // No ack (connection lost): it stays pending and is resent, with the same id, on reconnect.
  }
}

socket.on('session', (next) => {
  session = next;
  storage.set(next.token);
  if (next.tokenRefused) {
    // A new visitor: what this page showed belonged to the refused token.
    messages.clear();
    lastSeq.clear();
    conversationId = null;
    render();
    showNotice(next.tokenRefused === 'expired' ? text.sessionExpired : text.sessionInvalid);
  }
  statusLine.textContent = next.hours.open
    ? text.online
    : text.away(next.hours.nextOpening ? new Date(next.hours.nextOpening).toLocaleString(lang) : null);
  if (next.conversation) conversationId = next.conversation.id;
  showQueue(next.queue);
  if (next.conversation?.csatAsked) showCsat();
  if (
    !next.profileComplete ||
    (!next.hours.open && !messages.size && next.inbox.prechat.some((f) => f.key === 'email'))
  )
    showPrechat();
  void resync().then(() => {
    for (const [clientId, entry] of pending) void deliver(clientId, entry.text);
  });
});
socket.on('message', ({ message }, ack) => {
  add(message);
  ack?.(true);
});
socket.on('token', ({ token }) => storage.set(token));
socket.on('queue', ({ queue }) => showQueue(queue));
socket.on('typing', () => {
  typingLine.hidden = false;
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => (typingLine.hidden = true), 4_000);
});
socket.on('conversation', (update) => {
  if (update.status === 'resolved' && update.csatAsked) {
    conversationId = update.id;
    showCsat();
  }
});
socket.on('connect', () => {
  if (!session?.tokenRefused) showNotice(null);
});
socket.on('disconnect', (reason) => {
  statusLine.textContent = text.reconnecting;
  // A server-side disconnect does not reconnect by itself.
  if (reason === 'io server disconnect') setTimeout(() => socket.connect(), 1_000);
});
socket.on('connect_error', (error: Error & { data?: { code?: string; retryAfterSec?: number } }) => {
  const code = error.data?.code;
  if (code === 'IDENTITY_REQUIRED') return refuse(text.identityRequired);
  if (code === 'IDENTITY_INVALID') return refuse(text.identityInvalid);
  if (code === 'ORIGIN_REFUSED' || code === 'UNKNOWN_INBOX') return refuse(text.refused);
  statusLine.textContent = text.reconnecting;
  if (code === 'RATE_LIMITED') showNotice(text.rateLimited(error.data?.retryAfterSec ?? 60));
  // Middleware refusals do not retry by themselves; transport errors do.
  if (code) setTimeout(() => socket.connect(), Math.max(2, error.data?.retryAfterSec ?? 3) * 1000);
});

let queueTimer: ReturnType<typeof setTimeout> | undefined;
/** While the conversation waits in the queue, its place is shown and refreshed. */
function showQueue(queue: WidgetSession['queue']) {
  clearTimeout(queueTimer);
  queueLine.hidden = !queue;
  if (!queue) {
    queueLine.textContent = '';
    if (session?.hours.open) statusLine.textContent = text.online;
    return;
  }
  statusLine.textContent = text.queued(queue.position);
  queueLine.textContent = queue.expectedWait
    ? text.expectedWait(queue.expectedWait.seconds)
    : text.noWaitEstimate;
  // Moves are pushed (`queue`); the slow poll is a safety net for a push lost in a reconnect.
  refreshQueue(30_000);
}
function refreshQueue(delayMs: number) {
  clearTimeout(queueTimer);
  queueTimer = setTimeout(() => {
    if (!socket.connected) return;
    void (
      socket.timeout(15_000).emitWithAck('queue:get', {}) as Promise<
        AckResult & { queue?: WidgetSession['queue'] }
      >
    )
      .then((result) => {
        if (result.ok) showQueue(result.queue ?? null);
      })
      .catch(() => undefined);
  }, delayMs);
}

function refuse(message: string) {
  statusLine.textContent = message;
  showNotice(message);
  composer.hidden = true;
  prechat.hidden = true;
}

// --- forms --------------------------------------------------------------------------------------------
function showPrechat() {
  if (!session) return;
  const fields = session.inbox.prechat.map((field) => {
    const builtin = field.key === 'name' || field.key === 'email' || field.key === 'phone';
    const label = field.label ?? (builtin ? text[field.key as 'name' | 'email' | 'phone'] : field.key);
    const required = field.required || (field.key === 'email' && !session!.hours.open);
    const id = `f-${field.key}`;
    const control = field.options?.length
      ? el('select', { id, name: field.key }, [
          el('option', { value: '', text: '—' }),
          ...field.options.map((option) => el('option', { value: option, text: option })),
        ])
      : el('input', {
          id,
          name: field.key,
          type: field.key === 'email' ? 'email' : field.key === 'phone' ? 'tel' : 'text',
          autocomplete:
            field.key === 'email'
              ? 'email'
              : field.key === 'phone'
                ? 'tel'
                : field.key === 'name'
                  ? 'name'
                  : 'off',
          value:
            field.key === 'name' ? (options.name ?? '') : field.key === 'email' ? (options.email ?? '') : '',
        });
    if (required) control.setAttribute('required', '');
    return el('p', {}, [
      el('label', { for: id, text: `${label} ${required ? text.required : ''}` }),
      control,
    ]);
  });
  const intro = session.hours.open ? text.prechatIntro : text.emailForOffline;
  prechat.replaceChildren(
    el('p', { text: intro }),
    ...fields,
    el('button', { type: 'submit', text: text.start }),
  );
  prechat.hidden = false;
  composer.hidden = true;
  prechat.querySelector<HTMLElement>('input, select')?.focus();
}

prechat.addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(prechat);
  const profile: { name?: string; email?: string; phone?: string; fields: Record<string, string> } = {
    fields: {},
  };
  for (const [key, value] of data.entries()) {
    if (typeof value !== 'string') continue;
    const entry = value.trim();
    if (!entry) continue;
    if (key === 'name' || key === 'email' || key === 'phone') profile[key] = entry;
    else profile.fields[key] = entry;
  }
  void (socket.timeout(15_000).emitWithAck('profile:set', profile) as Promise<AckResult>)
    .then((result) => {
      if (!result.ok) return showNotice(result.error.message);
      if (session) session.profileComplete = true;
      prechat.hidden = true;
      composer.hidden = false;
      showNotice(null);
      input.focus();
    })
    .catch(() => showNotice(text.error));
});

function showCsat() {
  let score = 0;
  const buttons = [1, 2, 3, 4, 5].map((n) => {
    const button = el('button', {
      type: 'button',
      class: 'star',
      'aria-pressed': 'false',
      'aria-label': text.star(n),
      text: '★',
    });
    button.addEventListener('click', () => {
      score = n;
      for (const [i, other] of buttons.entries()) {
        other.setAttribute('aria-pressed', String(i + 1 === n));
        other.classList.toggle('on', i < n);
      }
    });
    return button;
  });
  const comment = el('textarea', {
    rows: '2',
    name: 'comment',
    'aria-label': text.csatComment,
    placeholder: text.csatComment,
  });
  csat.replaceChildren(
    el('p', { text: text.resolved }),
    el('fieldset', {}, [el('legend', { text: text.csatQuestion }), ...buttons]),
    comment,
    el('button', { type: 'submit', text: text.csatSubmit }),
  );
  csat.hidden = false;
  csat.onsubmit = (event) => {
    event.preventDefault();
    if (!score) return;
    void (
      socket.timeout(15_000).emitWithAck('csat:submit', {
        score,
        ...(comment.value.trim() ? { comment: comment.value.trim() } : {}),
      }) as Promise<AckResult>
    )
      .then((result) => {
        if (!result.ok && result.error.code !== 'ALREADY_RATED') return showNotice(result.error.message);
        csat.replaceChildren(el('p', { class: 'thanks', text: text.csatThanks }));
      })
      .catch(() => showNotice(text.error));
  };
}

// --- composer -----------------------------------------------------------------------------------------
composer.addEventListener('submit', (event) => {
  event.preventDefault();
  const body = input.value.trim();
  if (!body) return;
  const max = session?.limits.maxChars ?? 4000;
  if ([...body].length > max) return showNotice(text.tooLong(max));
  input.value = '';
  const clientId = newClientId();
  const element = bubble({ from: 'visitor', text: body });
  element.classList.add('pending');
  element.append(el('span', { class: 'meta', text: text.pending }));
  pending.set(clientId, { text: body, element });
  render();
  if (socket.connected) void deliver(clientId, body);
});
input.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    composer.requestSubmit();
  }
});
input.addEventListener('input', () => {
  const now = Date.now();
  if (socket.connected && now - lastTypingSent > 1_500) {
    lastTypingSent = now;
    socket.emit('typing', {});
  }
});
fileInput.addEventListener('change', () => {
  const file = fileInput.files?.[0];
  fileInput.value = '';
  if (!file || !session) return;
  if (file.size > session.limits.maxAttachmentBytes) return showNotice(text.fileTooLarge);
  if (!session.limits.attachmentTypes.includes(file.type)) return showNotice(text.fileRefused);
  const query = new URLSearchParams({ clientId: newClientId(), filename: file.name });
  void fetch(`/webchat/upload?${query.toString()}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${storage.get() ?? session.token}`, 'content-type': file.type },
    body: file,
  })
    .then(async (res) => {
      const body = (await res.json()) as {
        message?: WidgetMessage;
        error?: { code: string; message: string; retryAfterSec?: number };
      };
      if (body.message) return add(body.message);
      if (body.error?.code === 'RATE_LIMITED')
        return showNotice(text.rateLimited(body.error.retryAfterSec ?? 60));
      showNotice(
        body.error?.code === 'UNSUPPORTED_TYPE' ? text.fileRefused : (body.error?.message ?? text.error),
      );
    })
    .catch(() => showNotice(text.error));
});

const closeChat = () => window.parent.postMessage({ type: 'omnihub:close' }, options.parentOrigin || '*');
closeButton.addEventListener('click', closeChat);
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') closeChat();
});
window.addEventListener('message', (event: MessageEvent<{ type?: string }>) => {
  if (event.data?.type === 'omnihub:opened') {
    input.focus();
    markRead();
  }
});
document.addEventListener('visibilitychange', markRead);
input.focus();
