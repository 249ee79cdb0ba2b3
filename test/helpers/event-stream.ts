/**
 * A reader of the console's server-sent events (`GET <api>/events`) over fetch, as the dashboard
 * reads it (a header carries the token, which `EventSource` cannot send).
 */
export interface EventStream {
  status: number;
  contentType: string | null;
  /** The next message's JSON `data` that `match` accepts (earlier ones are skipped); fails after `timeoutMs`. */
  next(match?: (data: any) => boolean, timeoutMs?: number): Promise<any>;
  close(): void;
}

export async function openEventStream(api: string, headers: Record<string, string>): Promise<EventStream> {
  const abort = new AbortController();
  const res = await fetch(`${api}/events`, { headers, signal: abort.signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const queued: any[] = [];
  let buffer = '';
  const read = async (): Promise<void> => {
    const { value, done } = await reader.read();
    if (done) throw new Error('the event stream ended');
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const message = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = message
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n');
      if (data) queued.push(JSON.parse(data));
    }
  };
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    async next(match = () => true, timeoutMs = 30_000) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        for (;;) {
          const i = queued.findIndex(match);
          if (i >= 0) return queued.splice(0, i + 1).at(-1);
          queued.length = 0;
          await Promise.race([read(), timeout]);
        }
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => abort.abort(),
  };
}
