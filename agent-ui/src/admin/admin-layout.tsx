import { NavLink, Outlet } from 'react-router';
import { useI18n } from '../i18n/i18n';

/** Admin screens: channels (inboxes), agents, teams, business calendars, SLA policies, templates, automations. */
export function AdminLayout() {
  const { t } = useI18n();
  const links: [string, string][] = [
    ['/admin/inboxes', t('inboxes')],
    ['/admin/agents', t('agents')],
    ['/admin/teams', t('teams')],
    ['/admin/calendars', t('calendars')],
    ['/admin/sla-policies', t('slaPolicies')],
    ['/admin/templates', t('templates')],
    ['/admin/automations', t('automations')],
  ];
  return (
    <main className="page admin">
      <nav className="subnav" aria-label={t('admin')}>
        {links.map(([to, label]) => (
          <NavLink key={to} to={to}>
            {label}
          </NavLink>
        ))}
      </nav>
      <div className="admin-body">
        <Outlet />
      </div>
    </main>
  );
}
