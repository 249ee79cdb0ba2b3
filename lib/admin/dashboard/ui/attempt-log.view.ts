import { html } from 'htm/preact';
import type { JobAttempt } from './api.types.js';
import { formatDuration, formatTime } from './format.util.js';

function detail(a: JobAttempt): string {
  if (a.error) return `${a.error.name}: ${a.error.message}`;
  if (a.delayMs !== undefined) return `put off ${formatDuration(a.delayMs)}`;
  return a.reason ?? '';
}

/** Every attempt that did not complete, oldest first; each error's stack folds open. */
export function AttemptLog({ attempts }: { attempts: JobAttempt[] }) {
  if (attempts.length === 0) return html`<p class="muted">No failed attempts.</p>`;
  return html`<table class="grid" data-testid="attempt-log">
    <thead>
      <tr>
        <th class="num">#</th>
        <th>Outcome</th>
        <th>At</th>
        <th>Consumer</th>
        <th>Detail</th>
      </tr>
    </thead>
    <tbody>
      ${attempts.map(
        (a) =>
          html`<tr>
            <td class="num">${a.attempt}</td>
            <td>${a.outcome}</td>
            <td>${formatTime(a.at)}</td>
            <td>${a.consumer ?? '—'}</td>
            <td>
              ${
                a.error?.stack
                  ? html`<details>
                      <summary>${detail(a)}</summary>
                      <pre class="stack">${a.error.stack}</pre>
                    </details>`
                  : detail(a)
              }
            </td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}
