import { lazy, Suspense, type ReactNode } from 'react';
import { createBrowserRouter, Navigate, Outlet, useLocation } from 'react-router';
import { useAdmin } from './lib/admin.tsx';
import { Shell } from './shell.tsx';
import { Loading } from './ui/states.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import { ProjectsPage } from './pages/projects.tsx';

// Each page is its own chunk: the first paint loads the shell and the page it shows.
const CollectionsPage = lazy(() => import('./pages/collections.tsx'));
const SchemaPage = lazy(() => import('./pages/schema/schema-page.tsx'));
const RecordsPage = lazy(() => import('./pages/records/records-page.tsx'));
const UsersPage = lazy(() => import('./pages/users.tsx'));
const StoragePage = lazy(() => import('./pages/storage/storage-page.tsx'));
const RealtimePage = lazy(() => import('./pages/realtime.tsx'));
const KeysPage = lazy(() => import('./pages/keys.tsx'));
const SettingsPage = lazy(() => import('./pages/settings.tsx'));
const EmailLinkPage = lazy(() => import('./pages/email-link.tsx'));
const InstanceSettingsPage = lazy(() => import('./pages/instance/instance-settings.tsx'));
const LogsPage = lazy(() => import('./pages/logs.tsx'));

function page(element: ReactNode) {
  return <Suspense fallback={<Loading />}>{element}</Suspense>;
}

/** Pages behind the admin sign-in; the sign-in page comes back here afterwards. */
function RequireAdmin() {
  const { session } = useAdmin();
  const location = useLocation();
  if (!session) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return (
    <Shell>
      <Outlet />
    </Shell>
  );
}

export const router = createBrowserRouter(
  [
    { path: '/login', element: <SignInPage /> },
    // Hosted pages for the links in auth emails, for projects without an app URL: no admin needed.
    { path: '/auth/:project', element: page(<EmailLinkPage />) },
    {
      element: <RequireAdmin />,
      children: [
        { index: true, element: <ProjectsPage /> },
        { path: 'settings', element: page(<InstanceSettingsPage />) },
        { path: 'logs', element: page(<LogsPage />) },
        {
          path: 'p/:project',
          children: [
            { index: true, element: <Navigate to="collections" replace /> },
            { path: 'collections', element: page(<CollectionsPage />) },
            { path: 'collections/new', element: page(<SchemaPage />) },
            { path: 'collections/:name', element: page(<RecordsPage />) },
            { path: 'collections/:name/schema', element: page(<SchemaPage />) },
            { path: 'users', element: page(<UsersPage />) },
            { path: 'storage', element: page(<StoragePage />) },
            { path: 'storage/:bucket', element: page(<StoragePage />) },
            { path: 'realtime', element: page(<RealtimePage />) },
            { path: 'keys', element: page(<KeysPage />) },
            { path: 'settings', element: page(<SettingsPage />) },
          ],
        },
        { path: '*', element: <NotFound /> },
      ],
    },
  ],
  { basename: '/_' },
);

function NotFound() {
  return (
    <div className="empty">
      <strong>No such page</strong>
      <a href="/_/">Back to the projects</a>
    </div>
  );
}
