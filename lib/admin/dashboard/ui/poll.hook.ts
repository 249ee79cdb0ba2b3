import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.client.js';
import { ensureEventStream, eventsComplete, onJobEvent, onStreamState } from './live-events.js';

/** How often a page reloads its data. */
export const POLL_INTERVAL_MS = 3_000;

/**
 * How often while the event stream hears every process (PostgreSQL): events reload the page, and
 * this poll catches what is never told (jobs enqueued or started in another process).
 */
export const EVENTS_POLL_INTERVAL_MS = 30_000;

/** At most one reload per this long on a burst of events (a drain finishes thousands a second). */
const EVENT_RELOAD_GAP_MS = 500;

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
 * other filters) load at once, and the previous target's data is not shown meanwhile. A job event
 * on the console's stream (`live-events.ts`) loads again soon; while the stream hears every process,
 * the poll runs only every `EVENTS_POLL_INTERVAL_MS`.
 */
export function usePoll<T>(load: () => Promise<T>, deps: unknown[], everyMs = POLL_INTERVAL_MS): Polled<T> {
  const key = JSON.stringify(deps);
  const [state, setState] = useState<Loaded<T>>({ key });
  const [tick, setTick] = useState(0);
  const [live, setLive] = useState(eventsComplete());
  const loadRef = useRef(load);
  loadRef.current = load;
  const every = live ? Math.max(everyMs, EVENTS_POLL_INTERVAL_MS) : everyMs;

  useEffect(() => onStreamState(() => setLive(eventsComplete())), []);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let loading = false;
    let again = false;
    let eventTimer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      clearTimeout(timer);
      if (loading) return void (again = true);
      loading = true;
      if (!document.hidden) {
        try {
          const data = await loadRef.current();
          if (!stopped) setState({ key, data });
          ensureEventStream();
        } catch (error) {
          const status = error instanceof ApiError ? error.status : undefined;
          const message = (error as Error).message;
          if (!stopped) setState((s) => ({ key, data: s.key === key ? s.data : undefined, error: message, status }));
        }
      }
      loading = false;
      if (stopped) return;
      if (again) {
        again = false;
        return void run();
      }
      timer = setTimeout(run, every);
    };
    // An event: load again, at most once per EVENT_RELOAD_GAP_MS.
    const offEvents = onJobEvent(() => {
      if (eventTimer === undefined) {
        eventTimer = setTimeout(() => {
          eventTimer = undefined;
          void run();
        }, EVENT_RELOAD_GAP_MS);
      }
    });
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(eventTimer);
      offEvents();
    };
  }, [key, tick, every]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  const current = state.key === key ? state : { key };
  return { data: current.data, error: current.error, status: current.status, reload };
}
