import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { getSession, logout, onSessionChange, type Session } from './api';
import { detectLang, translator, type Lang } from './i18n';
import { ConversationList } from './inbox/conversation-list';
import { ConversationView } from './inbox/conversation-view';
import { createLiveBus, LiveContext } from './live';
import { LoginPage } from './login-page';
import { Offers } from './offers';
import { connectRealtime, type Realtime } from './realtime';
import { SupervisorPage } from './supervisor/supervisor-page';
import type { PresenceStatus } from '../../server/realtime/socket-events';
import './styles.css';

type View = 'inbox' | 'supervisor';

export function App() {
  const [session, setSession] = useState<Session | null>(getSession);
  const [lang, setLang] = useState<Lang>(detectLang);
  const t = useMemo(() => translator(lang), [lang]);
  useEffect(() => onSessionChange(setSession), []);
  useEffect(() => {
    localStorage.setItem('omnihub.lang', lang);
    document.documentElement.lang = lang;
  }, [lang]);

  const langToggle = (
    <button className="lang" onClick={() => setLang(lang === 'en' ? 'zh-CN' : 'en')}>
      {lang === 'en' ? '中文' : 'EN'}
    </button>
  );
  if (!session) {
    return (
      <div className="center">
        {langToggle}
        <LoginPage t={t} />
      </div>
    );
  }
  return <Workspace session={session} t={t} langToggle={langToggle} />;
}

function Workspace(props: { session: Session; t: ReturnType<typeof translator>; langToggle: ReactNode }) {
  const { session, t } = props;
  const bus = useMemo(createLiveBus, []);
  const [realtime, setRealtime] = useState<Realtime | null>(null);
  const [connected, setConnected] = useState(false);
  const [presence, setPresence] = useState<PresenceStatus>('online');
  const [view, setView] = useState<View>('inbox');
  const [selected, setSelected] = useState<string | null>(null);
  const isSupervisor = session.agent.role !== 'agent';

  useEffect(() => {
    const connection = connectRealtime({
      token: () => getSession()?.token ?? null,
      agentId: session.agent.id,
      onEvent: bus.publish,
      onConnectionChange: setConnected,
    });
    setRealtime(connection);
    return () => connection.close();
  }, [bus, session.agent.id]);

  useEffect(() => {
    if (connected) void realtime?.setPresence(presence);
  }, [connected, presence, realtime]);

  const open = (conversationId: string) => {
    setView('inbox');
    setSelected(conversationId);
  };

  return (
    <LiveContext.Provider value={bus}>
      <div className="workspace">
        <nav className="top">
          <strong>Omnihub</strong>
          <button className={view === 'inbox' ? 'on' : ''} onClick={() => setView('inbox')}>
            {t('inbox')}
          </button>
          {isSupervisor && (
            <button className={view === 'supervisor' ? 'on' : ''} onClick={() => setView('supervisor')}>
              {t('supervisor')}
            </button>
          )}
          <span className="spacer" />
          <span className={`conn ${connected ? 'up' : 'down'}`} data-testid="connection">
            {connected ? t('connected') : t('reconnecting')}
          </span>
          <select
            value={presence}
            onChange={(e) => setPresence(e.target.value as PresenceStatus)}
            aria-label="presence"
          >
            <option value="online">{t('online')}</option>
            <option value="away">{t('away')}</option>
            <option value="offline">{t('offline')}</option>
          </select>
          <span className="me">{session.agent.name}</span>
          {props.langToggle}
          <button onClick={() => void logout()}>{t('signOut')}</button>
        </nav>
        <Offers t={t} realtime={realtime} onAccepted={open} />
        {view === 'inbox' ? (
          <main className="inbox">
            <ConversationList t={t} selectedId={selected} onSelect={setSelected} />
            {selected ? (
              <ConversationView t={t} conversationId={selected} />
            ) : (
              <section className="detail empty">{t('selectConversation')}</section>
            )}
          </main>
        ) : (
          <SupervisorPage t={t} onOpen={open} />
        )}
      </div>
    </LiveContext.Provider>
  );
}
