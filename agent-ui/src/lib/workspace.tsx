/**
 * What every screen of a signed-in user shares: the session, the typed socket client, presence (restored
 * from the server on every load, so Away survives a reload; supervisors and admins start Away), and the
 * directory of agents and teams for names.
 */
import { useQuery } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { apiClient } from './api-client';
import type { AgentView, PresenceStatus, TeamView } from './api-types';
import { getSession, storedValue, storeValue, type Session } from './session';
import { createSocketClient, type EventName, type EventPayload, type SocketClient } from './socket-client';

export interface Workspace {
  session: Session;
  socket: SocketClient;
  connected: boolean;
  presence: PresenceStatus;
  setPresence: (status: PresenceStatus) => void;
  agents: AgentView[];
  teams: TeamView[];
  agentName: (id: string | null | undefined) => string;
  teamName: (id: string | null | undefined) => string;
  isSupervisor: boolean;
  isAdmin: boolean;
}

const WorkspaceContext = createContext<Workspace | null>(null);

/** The status a user starts with when the server has none: agents take work, supervisors watch. */
function defaultPresence(session: Session): PresenceStatus {
  return session.agent.role === 'agent' ? 'online' : 'away';
}

export function WorkspaceProvider(props: { session: Session; children: ReactNode }) {
  const { session } = props;
  const socket = useMemo(
    () => createSocketClient({ token: () => getSession()?.token ?? null, agentId: session.agent.id }),
    [session.agent.id],
  );
  useEffect(() => () => socket.close(), [socket]);
  const [connected, setConnected] = useState(socket.connected);
  const [presence, setPresenceState] = useState<PresenceStatus>(() =>
    storedValue<PresenceStatus>('presence', defaultPresence(session)),
  );
  const chosen = useRef<PresenceStatus | null>(storedValue<PresenceStatus | null>('presence', null));

  useEffect(
    () =>
      socket.onConnectionChange((isUp) => {
        setConnected(isUp);
        if (!isUp) return;
        // On every (re)connect: resume what the server remembers (a reload within the grace period), else
        // what this browser last chose, else the role's default. Never silently go online.
        void socket.getPresence().then((stored) => {
          const next = stored && stored !== 'offline' ? stored : (chosen.current ?? defaultPresence(session));
          setPresenceState(next);
          storeValue('presence', next);
          if (stored !== next) void socket.setPresence(next);
        });
      }),
    [socket, session],
  );

  useEffect(
    () =>
      socket.on('agent:updated', (payload) => {
        if (payload.agentId === session.agent.id && payload.status !== 'offline') {
          setPresenceState(payload.status);
          storeValue('presence', payload.status);
        }
      }),
    [socket, session.agent.id],
  );

  const agentsQuery = useQuery({ queryKey: ['agents'], queryFn: apiClient.agents.list, staleTime: 60_000 });
  const teamsQuery = useQuery({ queryKey: ['teams'], queryFn: apiClient.teams.list, staleTime: 60_000 });

  const value = useMemo<Workspace>(() => {
    const agents = agentsQuery.data?.items ?? [];
    const teams = teamsQuery.data?.items ?? [];
    const agentsById = new Map(agents.map((a) => [a.id, a]));
    const teamsById = new Map(teams.map((t) => [t.id, t]));
    return {
      session,
      socket,
      connected,
      presence,
      setPresence(status) {
        chosen.current = status;
        setPresenceState(status);
        storeValue('presence', status);
        void socket.setPresence(status);
      },
      agents,
      teams,
      agentName: (id) =>
        id ? (agentsById.get(id)?.name ?? (id === session.agent.id ? session.agent.name : '')) : '',
      teamName: (id) => (id ? (teamsById.get(id)?.name ?? '') : ''),
      isSupervisor: session.agent.role !== 'agent',
      isAdmin: session.agent.role === 'admin',
    };
  }, [agentsQuery.data, teamsQuery.data, session, socket, connected, presence]);

  return <WorkspaceContext.Provider value={value}>{props.children}</WorkspaceContext.Provider>;
}

export function useWorkspace(): Workspace {
  const value = useContext(WorkspaceContext);
  if (!value) throw new Error('useWorkspace outside WorkspaceProvider');
  return value;
}

/** Subscribes to one socket event while mounted (always calling the latest handler). */
export function useSocketEvent<K extends EventName>(name: K, handler: (payload: EventPayload<K>) => void) {
  const { socket } = useWorkspace();
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => socket.on(name, (payload) => ref.current(payload)), [socket, name]);
}
