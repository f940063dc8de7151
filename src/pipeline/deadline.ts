/**
 * The end of one attempt, and how a request on the wire is made to stop there.
 *
 * The plain way is an AbortSignal. But Node's own fetch charges every request that carries one for
 * following it (a WeakRef, a finalizer and an abort listener per request): in Node 20 and 22
 * (undici 6) about a sixth of a loopback round trip, as much as the whole rest of the client. On
 * Node's fetch (undici 5 to 7) the deadline is kept at undici's level instead: fetch is given a
 * dispatcher that hands the request to the global one and keeps the `abort` undici passes to
 * `onConnect` (its documented handler interface), which closes the socket like a signal would.
 * Everywhere else (browsers, Deno, Bun, workerd), with a caller's fetch, or with a caller's signal
 * to follow anyway, the deadline is a signal.
 */

/** Undici's documented handler interface, as far as it is used here. */
interface DispatchHandler {
  /** Called when the request is given a connection, with the function that aborts it. */
  onConnect?: (abort: (reason?: Error) => void, context?: unknown) => void;
}
/** Undici's documented dispatcher interface, as far as it is used here. */
interface Dispatcher {
  /** Sends a request, reporting its progress to `handler`. */
  dispatch(options: unknown, handler: DispatchHandler): boolean;
}

/** Where undici (Node's own, or the npm package) keeps the dispatcher fetch uses by default. */
const GLOBAL_DISPATCHER = Symbol.for("undici.globalDispatcher.1");
const globalDispatcher = () => (globalThis as unknown as Record<symbol, Dispatcher | undefined>)[GLOBAL_DISPATCHER];

/**
 * Whether fetch honours a `dispatcher`: assumed on Node's undici 5 to 7, never elsewhere, and
 * dropped for good the first time a request is answered without passing through one (a fetch that
 * ignores the option, such as a mocked one) or undici hands over a handler without `onConnect`.
 */
let dispatcherHonoured = /^[567]\./.test((globalThis as { process?: { versions?: { undici?: string } } }).process?.versions?.undici ?? "");

/** The end of one attempt (see the top of this file): set by the timeout layer, enforced by the fetch step. */
export class Deadline {
  /** Why the attempt ended, once it has. */
  reason: Error | undefined;
  private rejectAttempt: ((reason: Error) => void) | undefined;
  private controller: AbortController | undefined;
  private abortRequest: ((reason: Error) => void) | undefined;
  private lent: (Dispatcher & { used: boolean }) | undefined;

  /**
   * The attempt, cut off at the deadline: it fails then even where the request cannot be stopped
   * at once (still waiting for a connection, so no `abort` yet; a caller's fetch that ignores signals).
   */
  bound<T>(attempt: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.rejectAttempt = reject;
      if (this.reason) reject(this.reason);
      attempt.then(resolve, reject);
    });
  }

  /** Ends the attempt now, with `reason`: the call fails with it and the request is aborted. */
  expire(reason: Error): void {
    this.reason = reason;
    // Fetch hands a request to its dispatcher within microtasks of being called, long before any
    // timer: one never used by now was dropped (a wrapper), and waiting for an answer to say so
    // would keep every timed-out request's socket open against a server that never answers.
    this.checkLentDispatcherUsed();
    this.rejectAttempt?.(reason);
    this.controller?.abort(reason);
    this.abortRequest?.(reason);
  }

  /** A signal for fetch, made only when the dispatcher cannot be used. */
  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    if (this.reason) this.controller.abort(this.reason);
    return this.controller.signal;
  }

  /**
   * A dispatcher for Node's fetch that ends the request at this deadline, or undefined where a
   * signal must do. `used` tells, once fetch has answered, whether it went through it.
   */
  dispatcher(): (Dispatcher & { used: boolean }) | undefined {
    // Node loads its fetch, and sets the global dispatcher, on the first call: that one has a signal.
    const global = globalDispatcher();
    if (!dispatcherHonoured || !global) return undefined;
    const deadline = this;
    const lent: Dispatcher & { used: boolean } = {
      used: false,
      dispatch(options, handler) {
        this.used = true;
        const onConnect = handler.onConnect;
        if (typeof onConnect === "function") {
          // Undici may connect a request more than once (a retried pipelined request): keep the latest.
          handler.onConnect = function (this: DispatchHandler, abort, context) {
            deadline.abortRequest = abort;
            onConnect.call(this, abort, context);
            if (deadline.reason) abort(deadline.reason);
          };
        } else {
          // A later undici's handler shape, left as it is: this request ends at the deadline without
          // its socket being closed early; later ones carry a signal.
          dispatcherHonoured = false;
        }
        // Read again: a caller may replace the global dispatcher (a proxy agent) at any time.
        return (globalDispatcher() ?? global).dispatch(options, handler);
      },
    };
    this.lent = lent;
    return lent;
  }

  /**
   * Called once fetch has answered, and at the deadline: a dispatcher handed to fetch and not used
   * by then was dropped (a mock, a wrapper), so later attempts carry a signal instead.
   */
  checkLentDispatcherUsed(): void {
    if (this.lent && !this.lent.used) dispatcherHonoured = false;
  }
}
