/**
 * The frame around every screen: language and session at the root, then (signed in) the workspace with
 * the top bar (screens by role, connection, presence, sound, language, sign out), the offers tray, the
 * shortcut list (`?`) and the page title with the number of waiting offers.
 */
import { createContext, useContext, useEffect, useState } from 'react';
import { Navigate, NavLink, Outlet, useLocation } from 'react-router';
import { I18nProvider, detectLang, useI18n, type Lang } from '../i18n/i18n';
import { PRESENCE_VALUES } from '../i18n/enums';
import { apiClient } from '../lib/api-client';
import type { PresenceStatus, Role } from '../lib/api-types';
import { useLiveCache } from '../lib/live-cache';
import { getSession, onSessionChange, type Session } from '../lib/session';
import { useWorkspace, WorkspaceProvider } from '../lib/workspace';
import { OffersTray } from '../offers/offers-tray';
import { NoticesTray } from '../tasks/notices-tray';
import { MentionsMenu } from './mentions-menu';
import { ShortcutHelp } from './shortcut-help';

interface RootState {
  lang: Lang;
  setLang: (lang: Lang) => void;
  session: Session | null;
}
const RootContext = createContext<RootState>({ lang: 'en', setLang: () => undefined, session: null });
export const useRoot = () => useContext(RootContext);

export function AppRoot() {
  const [lang, setLangState] = useState<Lang>(detectLang);
  const [session, setSession] = useState<Session | null>(getSession);
  useEffect(() => onSessionChange(setSession), []);
  useEffect(() => {
    localStorage.setItem('omnihub.lang', lang);
    document.documentElement.lang = lang;
  }, [lang]);
  return (
    <RootContext.Provider value={{ lang, setLang: setLangState, session }}>
      <I18nProvider lang={lang}>
        <Outlet />
      </I18nProvider>
    </RootContext.Provider>
  );
}

export function LanguageToggle() {
  const { lang, setLang } = useRoot();
  const { t } = useI18n();
  return (
    <label className="lang">
      <span className="sr-only">{t('language')}</span>
      <select
        aria-label={t('language')}
        value={lang}
        onChange={(e) => setLang(e.target.value === 'en' ? 'en' : 'zh-CN')}
      >
        <option value="zh-CN">中文</option>
        <option value="en">English</option>
      </select>
    </label>
  );
}

export function RequireSession() {
  const { session } = useRoot();
  const location = useLocation();
  if (!session) {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return (
    <WorkspaceProvider key={session.agent.id} session={session}>
      <Shell />
    </WorkspaceProvider>
  );
}

export function RequireRole(props: { roles: Role[] }) {
  const { session } = useWorkspace();
  if (!props.roles.includes(session.agent.role)) return <NotFound />;
  return <Outlet />;
}

export function NotFound() {
  const { t } = useI18n();
  return (
    <main className="page">
      <p role="alert">{t('notFound')}</p>
    </main>
  );
}

function Shell() {
  const workspace = useWorkspace();
  const i18n = useI18n();
  const { t } = i18n;
  const [help, setHelp] = useState(false);
  useLiveCache(workspace.socket);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      const typing = target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
      if (!typing && event.key === '?') {
        event.preventDefault();
        setHelp((open) => !open);
      } else if (event.key === 'Escape') setHelp(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const role = workspace.session.agent.role;
  return (
    <div className="workspace">
      <header className="top">
        <a className="brand" href="/app/inbox">
          {t('appName')}
        </a>
        <nav aria-label="screens">
          <NavLink to="/inbox" className={({ isActive }) => (isActive ? 'on' : '')}>
            {t('inbox')}
          </NavLink>
          <NavLink to="/tasks">{t('tasks')}</NavLink>
          {role !== 'agent' && (
            <>
              <NavLink to="/supervisor">{t('supervisor')}</NavLink>
              <NavLink to="/reports">{t('reports')}</NavLink>
            </>
          )}
          {role === 'admin' && <NavLink to="/admin">{t('admin')}</NavLink>}
        </nav>
        <span className="spacer" />
        <span
          className={`conn ${workspace.connected ? 'up' : 'down'}`}
          data-testid="connection"
          role="status"
        >
          {workspace.connected ? t('connected') : t('reconnecting')}
        </span>
        <label>
          <span className="sr-only">{t('presence')}</span>
          <select
            aria-label={t('presence')}
            data-testid="presence"
            className={`presence p-${workspace.presence}`}
            value={workspace.presence}
            onChange={(e) => {
              const value = PRESENCE_VALUES.find((p) => p === e.target.value);
              if (value) workspace.setPresence(value satisfies PresenceStatus);
            }}
          >
            {PRESENCE_VALUES.map((p) => (
              <option key={p} value={p}>
                {i18n.presence(p)}
              </option>
            ))}
          </select>
        </label>
        <MentionsMenu />
        <span className="me" title={i18n.role(role)}>
          {workspace.session.agent.name} · {i18n.role(role)}
        </span>
        <LanguageToggle />
        <button type="button" onClick={() => setHelp(true)} aria-label={t('shortcuts')}>
          ?
        </button>
        <button type="button" onClick={() => void apiClient.logout()}>
          {t('signOut')}
        </button>
      </header>
      <div className="body">
        <OffersTray />
        <NoticesTray />
        <div className="page-area">
          <Outlet />
        </div>
      </div>
      {help && <ShortcutHelp onClose={() => setHelp(false)} />}
    </div>
  );
}
