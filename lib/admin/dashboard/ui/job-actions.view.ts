import { html } from 'htm/preact';
import { apiPost } from './api.client.js';
import type { JobRecord } from './api.types.js';
import { ConfirmButton } from './confirm-button.view.js';

/**
 * The actions a job's state allows (the server decides and answers 409 otherwise): retry a failed
 * or cancelled job, discard one that has not started, cancel one that has not finished.
 */
export function JobActions({ job, done }: { job: JobRecord; done: () => void }) {
  const act = (action: string) => () => apiPost(`jobs/${encodeURIComponent(job.id)}/${action}`);
  const retry = job.state === 'failed' || job.state === 'cancelled';
  const discard = job.state === 'pending' || job.state === 'blocked';
  const cancel = discard || job.state === 'running';
  return html`<div class="actions">
    ${
      retry &&
      html`<${ConfirmButton}
        label="Retry"
        question=${`Retry job ${job.id} (${job.name})? Its attempts start again from zero.`}
        action=${act('retry')}
        done=${done}
      />`
    }
    ${
      discard &&
      html`<${ConfirmButton}
        label="Discard"
        question=${`Discard job ${job.id} (${job.name})? It ends cancelled without running.`}
        action=${act('discard')}
        done=${done}
        danger
      />`
    }
    ${
      cancel &&
      html`<${ConfirmButton}
        label="Cancel"
        question=${`Cancel job ${job.id} (${job.name})?${job.state === 'running' ? ' Its handler is aborted.' : ''}`}
        action=${act('cancel')}
        done=${done}
        danger
      />`
    }
  </div>`;
}
