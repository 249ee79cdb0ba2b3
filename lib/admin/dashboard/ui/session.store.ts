/**
 * The admin token for this browser tab: kept in sessionStorage (gone when the tab closes, never in
 * a cookie, so a cross-site request cannot carry it) and sent as `Authorization: Bearer`.
 */
const KEY = 'jobs-admin-token';

export function readToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function saveToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}
