import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { apiGet, ApiError, onUnauthorized } from './api.client.js';
import { JobDetailView } from './job-detail.view.js';
import { JobsView } from './jobs.view.js';
import { LoginView } from './login.view.js';
import { PipelineView } from './pipeline.view.js';
import { QueuesView } from './queues.view.js';
import { ReadOnly } from './read-only.context.js';
import { href, useRoute, type Route } from './route.hook.js';
import { forgetToken, readToken } from './session.store.js';

type Access =
  { kind: 'checking' } | { kind: 'login'; reason?: string } | { kind: 'in'; open: boolean; readOnly: boolean };

function Page({ route }: { route: Route }) {
  const [section, id] = route.parts;
  if (section === 'jobs' && id) return html`<${JobDetailView} id=${id} />`;
  if (section === 'jobs') return html`<${JobsView} route=${route} />`;
  if (section === 'pipelines' && id) return html`<${PipelineView} id=${id} />`;
  return html`<${QueuesView} />`;
}

/**
 * Asks the API once who we are: a 200 without a token means the module runs with
 * `allowUnauthenticated` (no login needed); a 401 or 403 shows the login form. The answer also says
 * whether the console is read-only (no action buttons then).
 */
async function probe(): Promise<Access> {
  const token = readToken();
  try {
    const { readOnly } = await apiGet<{ readOnly?: boolean }>('queues');
    return { kind: 'in', open: !token, readOnly: readOnly === true };
  } catch (error) {
    if (error instanceof ApiError && error.refused) {
      if (token) forgetToken();
      return { kind: 'login', reason: token ? 'Your token was refused; log in again.' : undefined };
    }
    return { kind: 'login', reason: `Cannot reach the API: ${(error as Error).message}` };
  }
}

export function App() {
  const route = useRoute();
  const [access, setAccess] = useState<Access>({ kind: 'checking' });
  const check = () => void probe().then(setAccess);

  useEffect(check, []);
  useEffect(
    () =>
      onUnauthorized(() => {
        forgetToken();
        setAccess({ kind: 'login', reason: 'Your session ended; log in again.' });
      }),
    [],
  );

  if (access.kind === 'checking') return html`<p class="muted center">Connecting…</p>`;
  if (access.kind === 'login') return html`<${LoginView} loggedIn=${check} reason=${access.reason} />`;
  const [section] = route.parts;
  const failed = section === 'jobs' && route.query.get('state') === 'failed' && route.parts.length === 1;
  const current = (active: boolean) => (active ? 'page' : undefined);
  return html`<div class="layout">
    <header class="top">
      <strong class="brand">Jobs admin</strong>
      <nav>
        <a href=${href('queues')} aria-current=${current(!section || section === 'queues')}>Queues</a>
        <a href=${href('jobs')} aria-current=${current(section === 'jobs' && !failed)}>Jobs</a>
        <a href=${href('jobs', { state: 'failed' })} aria-current=${current(failed)}>Failed</a>
      </nav>
      ${access.readOnly && html`<span class="badge" data-testid="read-only" title="actions are off">read-only</span>`}
      ${
        !access.open &&
        html`<button
          type="button"
          class="link"
          onClick=${() => {
            forgetToken();
            setAccess({ kind: 'login' });
          }}
        >
          Log out
        </button>`
      }
    </header>
    <main>
      <${ReadOnly.Provider} value=${access.readOnly}><${Page} route=${route} /></${ReadOnly.Provider}>
    </main>
  </div>`;
}
