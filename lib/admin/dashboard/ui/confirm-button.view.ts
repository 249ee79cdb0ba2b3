import { html } from 'htm/preact';
import { useContext, useState } from 'preact/hooks';
import { ReadOnly } from './read-only.context.js';

export interface ConfirmButtonProps {
  /** The button's label: `Retry`. */
  label: string;
  /** The question asked before acting: `Retry job 42 now?`. */
  question: string;
  /** The action; its error is shown under the question. */
  action: () => Promise<unknown>;
  /** Called after the action succeeded (reload the page's data). */
  done?: () => void;
  danger?: boolean;
}

/**
 * A button whose action runs only after a second, explicit click in a dialog: actions change jobs
 * that other people and processes depend on, so a stray click must not retry or cancel anything.
 * Not shown at all when the console is read-only (`ReadOnly`).
 */
export function ConfirmButton({ label, question, action, done, danger }: ConfirmButtonProps) {
  const readOnly = useContext(ReadOnly);
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await action();
      setOpen(false);
      done?.();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const close = () => {
    setOpen(false);
    setError(null);
  };

  // After the hooks (their order must not change between renders): a read-only console shows no action.
  if (readOnly) return null;

  return html`
    <button type="button" class=${danger ? 'danger' : ''} onClick=${() => setOpen(true)}>${label}</button>
    ${
      open &&
      html`<div class="overlay" onClick=${(e: Event) => e.target === e.currentTarget && close()}>
        <div class="dialog" role="dialog" aria-modal="true" aria-label=${question}>
          <p>${question}</p>
          ${error && html`<p class="error" role="alert">${error}</p>`}
          <div class="dialog-buttons">
            <button type="button" class=${danger ? 'danger' : 'primary'} disabled=${busy} onClick=${confirm}>
              ${busy ? 'Working…' : `Confirm ${label.toLowerCase()}`}
            </button>
            <button type="button" disabled=${busy} onClick=${close}>Keep as is</button>
          </div>
        </div>
      </div>`
    }
  `;
}
