/**
 * Every screen has a URL under /app (deep links, back/forward, reload keep the place):
 * /inbox, /conversations/:ref (a number like 10234 or an id), /supervisor, /reports, /admin/*.
 */
import { createBrowserRouter, Navigate, type RouteObject } from 'react-router';
import { AdminLayout } from '../admin/admin-layout';
import { AgentsAdmin } from '../admin/agents-admin';
import { AutomationsAdmin } from '../admin/automations-admin';
import { CalendarsAdmin } from '../admin/calendars-admin';
import { InboxesAdmin } from '../admin/inboxes-admin';
import { SlaPoliciesAdmin } from '../admin/sla-policies-admin';
import { TeamsAdmin } from '../admin/teams-admin';
import { TemplatesAdmin } from '../admin/templates-admin';
import { InboxPage } from '../inbox/inbox-page';
import { TasksPage } from '../tasks/tasks-page';
import { WallboardPage } from '../supervisor/wallboard-page';
import { AppRoot, NotFound, RequireRole, RequireSession } from './app-shell';
import { LoginPage } from './login-page';

export const routes: RouteObject[] = [
  {
    element: <AppRoot />,
    children: [
      { path: '/login', element: <LoginPage /> },
      {
        path: '/',
        element: <RequireSession />,
        children: [
          { index: true, element: <Navigate to="/inbox" replace /> },
          { path: 'inbox', element: <InboxPage /> },
          { path: 'conversations/:ref', element: <InboxPage /> },
          { path: 'tasks', element: <TasksPage /> },
          {
            element: <RequireRole roles={['supervisor', 'admin']} />,
            children: [
              { path: 'supervisor', element: <WallboardPage /> },
              {
                path: 'reports',
                // The charts library is most of the bundle: loaded only when reports are opened.
                lazy: async () => ({ Component: (await import('../supervisor/reports-page')).ReportsPage }),
              },
            ],
          },
          {
            path: 'admin',
            element: <RequireRole roles={['admin']} />,
            children: [
              {
                element: <AdminLayout />,
                children: [
                  { index: true, element: <Navigate to="/admin/inboxes" replace /> },
                  { path: 'inboxes', element: <InboxesAdmin /> },
                  { path: 'agents', element: <AgentsAdmin /> },
                  { path: 'teams', element: <TeamsAdmin /> },
                  { path: 'calendars', element: <CalendarsAdmin /> },
                  { path: 'sla-policies', element: <SlaPoliciesAdmin /> },
                  { path: 'templates', element: <TemplatesAdmin /> },
                  { path: 'automations', element: <AutomationsAdmin /> },
                ],
              },
            ],
          },
          { path: '*', element: <NotFound /> },
        ],
      },
    ],
  },
];

export function createAppRouter() {
  return createBrowserRouter(routes, { basename: '/app' });
}
