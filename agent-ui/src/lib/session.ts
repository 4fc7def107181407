/**
 * The signed-in session (tokens and who is signed in), kept in localStorage so a reload stays signed in,
 * with a tiny subscription for components that must react to sign-in and sign-out.
 */
import type { SessionAgent } from './api-types';

export interface Session {
  token: string;
  refreshToken: string;
  agent: SessionAgent;
}

const SESSION_KEY = 'omnihub.session';
type Listener = (session: Session | null) => void;
const listeners = new Set<Listener>();

function read(): Session | null {
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

let current: Session | null = read();

export function getSession(): Session | null {
  return current;
}

export function setSession(session: Session | null): void {
  current = session;
  if (session) localStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else localStorage.removeItem(SESSION_KEY);
  listeners.forEach((listener) => listener(session));
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** A value kept per signed-in agent in localStorage (filters, drafts, presence, sound setting). */
export function storedValue<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(`omnihub.${current?.agent.id ?? 'anon'}.${key}`);
    return raw === null ? fallback : (JSON.parse(raw) as T);
  } catch {
    return fallback;
  }
}

export function storeValue(key: string, value: unknown): void {
  const name = `omnihub.${current?.agent.id ?? 'anon'}.${key}`;
  if (value === undefined) localStorage.removeItem(name);
  else localStorage.setItem(name, JSON.stringify(value));
}
