// Glue: the README's `sendMail` (the app's own mail client).
export async function sendMail(userId: number, options: { signal: AbortSignal }): Promise<string> {
  options.signal.throwIfAborted();
  return `<${userId}.${Date.now()}@pack-check.local>`;
}
