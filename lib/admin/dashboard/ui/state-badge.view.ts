import { html } from 'htm/preact';

/** A job's or pipeline's state as a coloured label (colours in dashboard.css, by state name). */
export function StateBadge({ state }: { state: string }) {
  return html`<span class=${`badge state-${state}`} data-state=${state}>${state}</span>`;
}
