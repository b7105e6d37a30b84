import { useEffect, useState, type ReactNode } from 'react';
import { Link, NavLink, useLocation, useNavigate, useParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { useAdmin } from './lib/admin.tsx';

const projectPages: Array<[string, string]> = [
  ['collections', 'Collections'],
  ['users', 'Users'],
  ['storage', 'Storage'],
  ['realtime', 'Realtime'],
  ['keys', 'API keys'],
  ['settings', 'Settings'],
];

/** The frame of every signed-in page: navigation (a menu in a narrow window), the admin, sign-out. */
export function Shell({ children }: { children: ReactNode }) {
  const admin = useAdmin();
  const { project } = useParams();
  const navigate = useNavigate();
  const location = useLocation();
  const [menu, setMenu] = useState(false);
  useEffect(() => setMenu(false), [location.pathname]);
  const projects = useQuery({ queryKey: ['projects'], queryFn: () => admin.client().admin.projects.list() });

  return (
    <div className="shell" data-menu={menu ? 'open' : 'closed'} onKeyDown={(e) => e.key === 'Escape' && setMenu(false)}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button type="button" className="icon" aria-expanded={menu} aria-controls="sidebar" onClick={() => setMenu((m) => !m)}>
          ☰<span className="sr-only">Menu</span>
        </button>
        <Link to="/" className="brand">
          <span className="brand-mark" aria-hidden="true">b</span>baas
        </Link>
        {project && <span className="badge accent">{project}</span>}
      </header>
      <nav id="sidebar" className="sidebar" aria-label="Main">
        <div className="spread">
          <Link to="/" className="brand">
            <span className="brand-mark" aria-hidden="true">b</span>baas
          </Link>
          <button type="button" className="ghost icon menu-close" aria-label="Close menu" onClick={() => setMenu(false)}>
            ✕
          </button>
        </div>
        <div className="nav">
          <NavLink to="/" end>
            Projects
          </NavLink>
          <NavLink to={project ? `/logs?project=${project}` : '/logs'}>Logs and metrics</NavLink>
          <NavLink to="/settings">Instance settings</NavLink>
        </div>
        {project && (
          <>
            <div className="field" style={{ padding: '0 0.25rem' }}>
              <label htmlFor="project-switch" className="nav-heading" style={{ padding: 0 }}>
                Project
              </label>
              <select id="project-switch" value={project} onChange={(e) => navigate(`/p/${e.target.value}/${location.pathname.split('/')[3] ?? 'collections'}`)}>
                {(projects.data ?? [{ id: project, name: project }]).map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name === p.id ? p.id : `${p.name} (${p.id})`}
                  </option>
                ))}
              </select>
            </div>
            <div className="nav">
              {projectPages.map(([path, label]) => (
                <NavLink key={path} to={`/p/${project}/${path}`}>
                  {label}
                </NavLink>
              ))}
            </div>
          </>
        )}
        <div className="sidebar-foot">
          <span title="Signed in as">{admin.session?.admin.email}</span>
          <button type="button" onClick={() => void admin.signOut()}>
            Sign out
          </button>
          <a href="/v1/openapi.json">API reference (OpenAPI)</a>
        </div>
      </nav>
      <main id="main" className="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}

/** The heading row of a page: title, a line of context, and its main actions. */
export function PageHead({ title, subtitle, children }: { title: string; subtitle?: ReactNode; children?: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · baas`;
  }, [title]);
  return (
    <div className="page-head">
      <div>
        <h1>{title}</h1>
        {subtitle && <p className="subtitle">{subtitle}</p>}
      </div>
      {children && <div className="actions">{children}</div>}
    </div>
  );
}
