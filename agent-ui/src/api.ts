/**
 * The REST client of the agent app: bearer token from login, refreshed once on a 401, errors surfaced
 * with the server's stable code and safe message.
 */

export interface Session {
  token: string;
  refreshToken: string;
  agent: {
    id: string;
    name: string;
    email: string;
    role: 'agent' | 'supervisor' | 'admin';
    teamIds: string[];
  };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const SESSION_KEY = 'omnihub.session';

export function loadSession(): Session | null {
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

function saveSession(session: Session | null): void {
  if (session) localStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else localStorage.removeItem(SESSION_KEY);
}

type Listener = (session: Session | null) => void;
const listeners = new Set<Listener>();
let current: Session | null = loadSession();

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function setSession(session: Session | null): void {
  current = session;
  saveSession(session);
  listeners.forEach((l) => l(session));
}

export function getSession(): Session | null {
  return current;
}

async function parseError(res: Response): Promise<ApiError> {
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    return new ApiError(res.status, body.error?.code ?? 'ERROR', body.error?.message ?? res.statusText);
  } catch {
    return new ApiError(res.status, 'ERROR', res.statusText);
  }
}

export async function login(email: string, password: string): Promise<Session> {
  const res = await fetch('/api/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!res.ok) throw await parseError(res);
  const session = (await res.json()) as Session;
  setSession(session);
  return session;
}

export async function logout(): Promise<void> {
  const session = current;
  setSession(null);
  if (session)
    await fetch('/api/auth/logout', {
      method: 'POST',
      headers: { authorization: `Bearer ${session.token}` },
    }).catch(() => undefined);
}

let refreshing: Promise<boolean> | null = null;

async function refresh(): Promise<boolean> {
  const session = current;
  if (!session) return false;
  refreshing ??= (async () => {
    const res = await fetch('/api/auth/refresh', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: session.refreshToken }),
    });
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

/** An authenticated JSON request. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const send = () =>
    fetch(path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(current ? { authorization: `Bearer ${current.token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  let res = await send();
  if (res.status === 401 && (await refresh())) res = await send();
  if (!res.ok) throw await parseError(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}
