/**
 * The one typed REST client of the app. Bearer token from the session, refreshed once on a 401; every
 * failure is an `ApiError` with the server's stable code (or `NETWORK` when the request never got an
 * answer), which the UI maps to a translated message: the user never sees "Failed to fetch".
 */
import type {
  AgentView,
  AtRiskItem,
  AutomationDryRun,
  AutomationRule,
  AutomationRuleInput,
  CalendarView,
  CannedResponse,
  Category,
  ChannelKind,
  ContactView,
  ConversationDetail,
  ConversationStatus,
  ConversationSummary,
  ConversationView,
  InboxView,
  LiveView,
  MentionSummary,
  NetworkView,
  Page,
  Priority,
  ReportGroup,
  SessionAgent,
  SlaPolicyView,
  SlaReport,
  TeamView,
  TemplateDetail,
  TemplateParts,
  TemplatePreview,
  TemplateRef,
  TemplateSummary,
  TemplateVersion,
  TimelineMessage,
} from './api-types';
import { getSession, setSession, type Session } from './session';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The server's structured details (which fields were refused, template problems with positions). */
    readonly details?: unknown,
  ) {
    super(message);
  }
}

async function parseError(res: Response): Promise<ApiError> {
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string; details?: unknown } };
    return new ApiError(
      res.status,
      body.error?.code ?? 'ERROR',
      body.error?.message ?? res.statusText,
      body.error?.details,
    );
  } catch {
    return new ApiError(res.status, 'ERROR', res.statusText);
  }
}

async function send(method: string, path: string, body?: unknown, token?: string): Promise<Response> {
  try {
    return await fetch(path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'The server cannot be reached.');
  }
}

/** What the upload route answers; a reply lists the id in `attachments`. */
export interface UploadReference {
  id: string;
  filename: string;
  contentType: string;
  size: number;
}

/** The server's error body as an `ApiError` (XHR flavour of `parseError`). */
function xhrError(xhr: XMLHttpRequest): ApiError {
  try {
    const body = JSON.parse(xhr.responseText) as { error?: { code?: string; message?: string } };
    return new ApiError(xhr.status, body.error?.code ?? 'ERROR', body.error?.message ?? xhr.statusText);
  } catch {
    // A proxy's own refusal has no JSON body: the status still says what happened.
    const code =
      xhr.status === 413 ? 'PAYLOAD_TOO_LARGE' : xhr.status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'ERROR';
    return new ApiError(xhr.status, code, xhr.statusText);
  }
}

/**
 * One raw-body upload through XMLHttpRequest: fetch reports no upload progress. Resolves with the status
 * and the XHR; a request that never got an answer rejects with `NETWORK`, an abort with `ABORTED`.
 */
function sendFile(
  path: string,
  file: Blob,
  options: { token?: string; onProgress?: (sent: number, total: number) => void; signal?: AbortSignal },
): Promise<XMLHttpRequest> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    if (options.token) xhr.setRequestHeader('authorization', `Bearer ${options.token}`);
    xhr.setRequestHeader('content-type', file.type || 'application/octet-stream');
    xhr.upload.onprogress = (event) => options.onProgress?.(event.loaded, event.total || file.size);
    xhr.onload = () => resolve(xhr);
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', 'The server cannot be reached.'));
    xhr.onabort = () => reject(new ApiError(0, 'ABORTED', 'The upload was cancelled.'));
    options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    if (options.signal?.aborted) xhr.abort();
    else xhr.send(file);
  });
}

/** Uploads a file for a reply of this conversation (token refreshed once on a 401, like `request`). */
export async function uploadAttachment(
  conversationId: string,
  file: File,
  options: { onProgress?: (sent: number, total: number) => void; signal?: AbortSignal } = {},
): Promise<UploadReference> {
  const path = `/api/conversations/${conversationId}/attachments${queryString({ filename: file.name || 'file' })}`;
  let xhr = await sendFile(path, file, { ...options, token: getSession()?.token });
  if (xhr.status === 401 && (await refresh()))
    xhr = await sendFile(path, file, { ...options, token: getSession()?.token });
  if (xhr.status < 200 || xhr.status >= 300) throw xhrError(xhr);
  return JSON.parse(xhr.responseText) as UploadReference;
}

let refreshing: Promise<boolean> | null = null;

/** Refreshes the session's tokens (once, however many callers ask at the same time); false when it cannot. */
export function refresh(): Promise<boolean> {
  const session = getSession();
  if (!session) return Promise.resolve(false);
  refreshing ??= (async () => {
    const res = await send('POST', '/api/auth/refresh', { refreshToken: session.refreshToken });
    if (!res.ok) {
      setSession(null);
      return false;
    }
    const next = (await res.json()) as Partial<Session>;
    setSession({ ...session, ...next });
    return true;
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** An authenticated request answering with raw `Response` (CSV downloads). */
export async function request(method: string, path: string, body?: unknown): Promise<Response> {
  let res = await send(method, path, body, getSession()?.token);
  if (res.status === 401 && (await refresh())) res = await send(method, path, body, getSession()?.token);
  if (!res.ok) throw await parseError(res);
  return res;
}

async function json<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await request(method, path, body);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** `?a=1&b=x` from the defined values only. */
export function queryString(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

export interface ConversationQuery {
  status?: string;
  assignee?: string;
  team?: string;
  channel?: ChannelKind;
  category?: Category;
  priority?: Priority;
  slaDueBefore?: string;
  q?: string;
  cursor?: string;
  limit?: number;
}

const templatePath = (ref: TemplateRef) =>
  `/api/templates/${ref.channel}/${encodeURIComponent(ref.locale)}/${ref.key}`;

export const apiClient = {
  async login(email: string, password: string): Promise<Session> {
    const res = await send('POST', '/api/auth/login', { email, password });
    if (!res.ok) throw await parseError(res);
    const session = (await res.json()) as Session;
    setSession(session);
    return session;
  },
  async logout(): Promise<void> {
    const token = getSession()?.token;
    setSession(null);
    if (token) await send('POST', '/api/auth/logout', undefined, token).catch(() => undefined);
  },
  me: () => json<SessionAgent>('GET', '/api/me'),

  conversations: {
    list: (query: ConversationQuery) =>
      json<Page<ConversationView>>('GET', `/api/conversations${queryString({ ...query })}`),
    get: (id: string) => json<ConversationDetail>('GET', `/api/conversations/${id}`),
    timeline: (id: string) =>
      json<{ items: TimelineMessage[]; hasMore: boolean }>(
        'GET',
        `/api/conversations/${id}/timeline?limit=200`,
      ),
    reply: (
      id: string,
      body: {
        text?: string;
        channel?: string;
        private: boolean;
        /** An approved template (WhatsApp outside the 24 h window) instead of text. */
        template?: { name: string; language?: string; variables: string[] };
        /** Upload ids (`uploadAttachment`) of this conversation, sent with the reply. */
        attachments?: string[];
        /** Email: the reply's own subject (the ticket tag is kept) and copies. */
        email?: { subject?: string; cc: string[] };
      },
    ) => json<TimelineMessage>('POST', `/api/conversations/${id}/messages`, body),
    setStatus: (id: string, status: Exclude<ConversationStatus, 'new'>) =>
      json<ConversationView>('POST', `/api/conversations/${id}/status`, { status }),
    setPriority: (id: string, priority: Priority) =>
      json<ConversationView>('POST', `/api/conversations/${id}/priority`, { priority }),
    setCategory: (id: string, category: Category) =>
      json<ConversationView>('POST', `/api/conversations/${id}/category`, { category }),
    assign: (id: string, assigneeId: string | null) =>
      json<ConversationView>('POST', `/api/conversations/${id}/assign`, { assigneeId }),
    transfer: (id: string, target: { agentId?: string; teamId?: string; note?: string }) =>
      json<ConversationSummary>('POST', `/api/routing/conversations/${id}/transfer`, target),
    reassign: (id: string, agentId: string) =>
      json<ConversationSummary>('POST', `/api/routing/conversations/${id}/reassign`, {
        agentId,
        force: true,
      }),
    callBack: (id: string) => json<unknown>('POST', `/api/conversations/${id}/call`, {}),
    upload: uploadAttachment,
  },
  messages: {
    retry: (id: string) => json<TimelineMessage>('POST', `/api/messages/${id}/retry`),
  },
  contacts: {
    get: (id: string) =>
      json<{ contact: ContactView; organization: { id: string; name: string } | null }>(
        'GET',
        `/api/contacts/${id}`,
      ),
    search: (q: string) => json<Page<ContactView>>('GET', `/api/contacts${queryString({ q, limit: 10 })}`),
    update: (id: string, body: Partial<Pick<ContactView, 'name' | 'tags'>> & { tier?: string | null }) =>
      json<ContactView>('PATCH', `/api/contacts/${id}`, body),
    merge: (id: string, targetContactId: string) =>
      json<unknown>('POST', `/api/contacts/${id}/merge`, { targetContactId }),
    conversations: (id: string) =>
      json<Page<ConversationView>>('GET', `/api/contacts/${id}/conversations?limit=20`),
    network: (id: string) => json<NetworkView>('GET', `/api/contacts/${id}/network?depth=2&limit=50`),
    relate: (id: string, body: { contactId?: string; organizationId?: string; kind: string }) =>
      json<unknown>('POST', `/api/contacts/${id}/relationships`, body),
    unrelate: (id: string, target: { contactId?: string; organizationId?: string; kind: string }) =>
      json<unknown>('DELETE', `/api/contacts/${id}/relationships${queryString(target)}`),
  },
  organizations: {
    search: (q: string) =>
      json<Page<{ id: string; name: string }>>('GET', `/api/organizations${queryString({ q, limit: 10 })}`),
  },
  agents: {
    list: () => json<Page<AgentView>>('GET', '/api/agents?limit=200'),
    create: (body: Record<string, unknown>) => json<AgentView>('POST', '/api/agents', body),
    update: (id: string, body: Record<string, unknown>) =>
      json<AgentView>('PATCH', `/api/agents/${id}`, body),
  },
  teams: {
    list: () => json<Page<TeamView>>('GET', '/api/teams?limit=200'),
    create: (body: Record<string, unknown>) => json<TeamView>('POST', '/api/teams', body),
    update: (id: string, body: Record<string, unknown>) => json<TeamView>('PATCH', `/api/teams/${id}`, body),
  },
  inboxes: {
    list: () => json<Page<InboxView>>('GET', '/api/inboxes?limit=200'),
    create: (body: Record<string, unknown>) => json<InboxView>('POST', '/api/inboxes', body),
    update: (id: string, body: Record<string, unknown>) =>
      json<InboxView>('PATCH', `/api/inboxes/${id}`, body),
  },
  sla: {
    calendars: () => json<{ items: CalendarView[] }>('GET', '/api/sla/calendars'),
    createCalendar: (body: Omit<CalendarView, 'id'>) =>
      json<CalendarView>('POST', '/api/sla/calendars', body),
    updateCalendar: (id: string, body: Partial<Omit<CalendarView, 'id'>>) =>
      json<CalendarView>('PATCH', `/api/sla/calendars/${id}`, body),
    policies: () => json<{ items: SlaPolicyView[] }>('GET', '/api/sla/policies'),
    createPolicy: (body: Omit<SlaPolicyView, 'id'>) => json<SlaPolicyView>('POST', '/api/sla/policies', body),
    updatePolicy: (id: string, body: Partial<Omit<SlaPolicyView, 'id'>>) =>
      json<SlaPolicyView>('PATCH', `/api/sla/policies/${id}`, body),
  },
  canned: {
    search: (q: string) =>
      json<Page<CannedResponse>>('GET', `/api/canned-responses${queryString({ q, limit: 8 })}`),
    render: (id: string, conversationId: string) =>
      json<{ text: string; missing: string[] }>('POST', `/api/canned-responses/${id}/render`, {
        conversationId,
      }),
  },
  mentions: {
    list: () => json<Page<MentionSummary> & { unread: number }>('GET', '/api/mentions?limit=30'),
    read: (ids?: string[]) => json<{ unread: number }>('POST', '/api/mentions/read', ids ? { ids } : {}),
  },
  templates: {
    list: () => json<{ items: TemplateSummary[] }>('GET', '/api/templates'),
    get: (ref: TemplateRef) => json<TemplateDetail>('GET', templatePath(ref)),
    versions: (ref: TemplateRef) =>
      json<{ items: TemplateVersion[] }>('GET', `${templatePath(ref)}/versions`),
    preview: (ref: TemplateRef, parts: TemplateParts, data?: Record<string, unknown>) =>
      json<TemplatePreview>('POST', `${templatePath(ref)}/preview`, { parts, ...(data ? { data } : {}) }),
    save: (ref: TemplateRef, body: { parts: TemplateParts; expectedVersion: number; note?: string }) =>
      json<TemplateDetail>('PUT', templatePath(ref), body),
    revert: (ref: TemplateRef) => json<TemplateDetail>('DELETE', templatePath(ref)),
  },
  automations: {
    list: () => json<{ items: AutomationRule[] }>('GET', '/api/automations'),
    create: (body: AutomationRuleInput) => json<AutomationRule>('POST', '/api/automations', body),
    update: (id: string, body: Partial<AutomationRuleInput>) =>
      json<AutomationRule>('PATCH', `/api/automations/${id}`, body),
    dryRun: (conditions: AutomationRuleInput['conditions']) =>
      json<AutomationDryRun>('POST', '/api/automations/dry-run', { conditions }),
  },
  routing: {
    live: () => json<LiveView>('GET', '/api/routing/live'),
  },
  reports: {
    sla: (from: string, to: string, groupBy: ReportGroup) =>
      json<SlaReport>('GET', `/api/reports/sla${queryString({ from, to, groupBy })}`),
    slaCsv: (from: string, to: string, groupBy: ReportGroup) =>
      request('GET', `/api/reports/sla.csv${queryString({ from, to, groupBy })}`),
    atRisk: () => json<{ items: AtRiskItem[] }>('GET', '/api/reports/sla/at-risk?limit=100'),
  },
};
