import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { apiGet, ApiError } from './api.client.js';
import { saveToken } from './session.store.js';

/**
 * The token form. The token is checked against the API before it is kept (in this tab's
 * sessionStorage only); the page never sends it anywhere but the `Authorization` header.
 */
export function LoginView({ loggedIn, reason }: { loggedIn: () => void; reason?: string }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await apiGet('queues', {}, token.trim());
      saveToken(token.trim());
      loggedIn();
    } catch (err) {
      setError(
        err instanceof ApiError && err.refused
          ? 'The server refused this token.'
          : `Cannot reach the API: ${(err as Error).message}`,
      );
    } finally {
      setBusy(false);
    }
  };

  return html`<form class="login panel" onSubmit=${submit}>
    <h1>Jobs admin</h1>
    ${reason && html`<p class="muted">${reason}</p>`}
    <label
      >Admin token
      <input
        type="password"
        name="token"
        autocomplete="off"
        required
        value=${token}
        onInput=${(e: Event) => setToken((e.currentTarget as HTMLInputElement).value)}
    /></label>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <button type="submit" class="primary" disabled=${busy || !token.trim()}>Log in</button>
    <p class="muted small">Kept in this tab only, and sent as <code>Authorization: Bearer</code>.</p>
  </form>`;
}
