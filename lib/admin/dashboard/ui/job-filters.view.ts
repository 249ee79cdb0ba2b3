import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { JOB_STATES } from './api.types.js';

export interface JobFilter {
  state: string;
  name: string;
  queue: string;
}

/**
 * The job list's filters. The state applies at once; name and queue on Enter or "Filter" (not on
 * every key, which would query the table once per letter).
 */
export function JobFilters({ filter, apply }: { filter: JobFilter; apply: (f: JobFilter) => void }) {
  const [name, setName] = useState(filter.name);
  const [queue, setQueue] = useState(filter.queue);
  useEffect(() => {
    setName(filter.name);
    setQueue(filter.queue);
  }, [filter.name, filter.queue]);

  const submit = (e: Event) => {
    e.preventDefault();
    apply({ ...filter, name: name.trim(), queue: queue.trim() });
  };
  const value = (e: Event) => (e.currentTarget as HTMLInputElement).value;

  return html`<form class="filters" onSubmit=${submit} aria-label="Filter jobs">
    <label
      >State
      <select
        name="state"
        value=${filter.state}
        onChange=${(e: Event) => apply({ ...filter, name, queue, state: value(e) })}
      >
        <option value="">any</option>
        ${JOB_STATES.map((s) => html`<option value=${s}>${s}</option>`)}
      </select>
    </label>
    <label
      >Name <input name="name" value=${name} placeholder="mail.welcome" onInput=${(e: Event) => setName(value(e))}
    /></label>
    <label
      >Queue <input name="queue" value=${queue} placeholder="default" onInput=${(e: Event) => setQueue(value(e))}
    /></label>
    <button type="submit" class="primary">Filter</button>
    ${
      (filter.state || filter.name || filter.queue) &&
      html`<button type="button" onClick=${() => apply({ state: '', name: '', queue: '' })}>Clear</button>`
    }
  </form>`;
}
