import { Controller, Sse, type BeforeApplicationShutdown, type MessageEvent } from '@nestjs/common';
import { interval, map, merge, Observable, ReplaySubject, takeUntil } from 'rxjs';
import { JobEventsBus, type StreamedEvent } from '../../events/job-events.bus.js';
import { AdminApi } from './admin-api.decorators.js';

/** A comment-like keep-alive, so that proxies do not close a quiet stream. */
const KEEP_ALIVE_MS = 25_000;

/** The first message: whether finishes in other processes reach this stream (PostgreSQL with notify). */
export interface StreamHello {
  event: 'hello';
  crossProcess: boolean;
}

/**
 * `GET api/events`: the queue's events as server-sent events (one JSON `data:` line each,
 * `StreamedEvent`: which job or pipeline, never outputs or errors), for the dashboard to refresh on,
 * behind the same guard as every other endpoint. First a `hello` that says whether other processes'
 * finishes, cancels and retries arrive too (PostgreSQL) or only this process's events do (SQLite,
 * MariaDB, `notify: false`); enqueues and starts in other processes never do, so a client keeps a
 * slower poll besides.
 */
@AdminApi()
@Controller('api')
export class AdminEventsController implements BeforeApplicationShutdown {
  /**
   * Ends every open stream at shutdown: an open response would keep the HTTP server from closing.
   * A replay, so that a stream opened after shutdown began ends at once too.
   */
  private readonly closing = new ReplaySubject<void>(1);

  constructor(private readonly bus: JobEventsBus) {}

  beforeApplicationShutdown(): void {
    this.closing.next();
    this.closing.complete();
  }

  @Sse('events')
  events(): Observable<MessageEvent> {
    const events = new Observable<StreamHello | StreamedEvent>((subscriber) => {
      // Hello first, once the LISTEN for other processes opened or failed (so it says which); events
      // meanwhile follow it.
      let early: StreamedEvent[] | undefined = [];
      const unsubscribe = this.bus.subscribe((event) => (early ? early.push(event) : subscriber.next(event)));
      void this.bus.listened().then(() => {
        subscriber.next({ event: 'hello', crossProcess: this.bus.hearsOtherProcesses });
        for (const event of early ?? []) subscriber.next(event);
        early = undefined;
      });
      return unsubscribe;
    });
    const keepAlive = interval(KEEP_ALIVE_MS).pipe(map(() => ({ event: 'ping' as const })));
    return merge(events, keepAlive).pipe(
      takeUntil(this.closing),
      map((data) => ({ data })),
    );
  }
}
