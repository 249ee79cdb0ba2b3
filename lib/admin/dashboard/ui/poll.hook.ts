import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.client.js';

/** How often a page reloads its data. */
export const POLL_INTERVAL_MS = 3_000;

export interface Polled<T> {
  data: T | undefined;
  error: string | undefined;
  /** The last error's HTTP status (404: the job is gone). */
  status: number | undefined;
  /** Loads again now (after an action), then keeps polling. */
  reload: () => void;
}

interface Loaded<T> {
  key: string;
  data?: T;
  error?: string;
  status?: number;
}

/**
 * Loads `load()` now and again every `everyMs` while mounted, one request at a time (the next
 * starts after the last answered), and not while the tab is hidden. Other `deps` (another job,
 * other filters) load at once, and the previous target's data is not shown meanwhile.
 */
export function usePoll<T>(load: () => Promise<T>, deps: unknown[], everyMs = POLL_INTERVAL_MS): Polled<T> {
  const key = JSON.stringify(deps);
  const [state, setState] = useState<Loaded<T>>({ key });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      if (!document.hidden) {
        try {
          const data = await loadRef.current();
          if (!stopped) setState({ key, data });
        } catch (error) {
          const status = error instanceof ApiError ? error.status : undefined;
          const message = (error as Error).message;
          if (!stopped) setState((s) => ({ key, data: s.key === key ? s.data : undefined, error: message, status }));
        }
      }
      if (!stopped) timer = setTimeout(run, everyMs);
    };
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [key, tick, everyMs]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  const current = state.key === key ? state : { key };
  return { data: current.data, error: current.error, status: current.status, reload };
}
