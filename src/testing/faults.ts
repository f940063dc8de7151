/** Which requests a {@link Fault} applies to; every criterion given must match. */
export interface FaultMatch {
  /** HTTP method, e.g. `POST`. */
  method?: string;
  /** A path template (`/customer-profiles/{customerId}`), an exact path, or a RegExp on the request path. */
  path?: string | RegExp;
  /** The operationId of the request, e.g. `getCustomer`. */
  operationId?: string;
}

/**
 * A fault the fake applies to the next matching requests, in place of (or around) its normal answer.
 * Faults apply in the order they were injected; each one counts down `times`.
 */
export interface Fault {
  match?: FaultMatch;
  /** How many matching requests it applies to (default 1; `Infinity` for all). */
  times?: number;
  /** Applies to each matching request with this probability (default 1), for soak tests. */
  probability?: number;
  /** Answer with this status and a Gladly-shaped error body, without processing the request. */
  status?: number;
  /** With `status: 429` (or any): the Retry-After header, in seconds. */
  retryAfter?: number;
  /** Wait this long before answering (combines with the others). */
  delayMs?: number;
  /**
   * Drop the connection: `"before"` (or `true`) without processing the request, `"after"`
   * processing it without answering, `"mid-body"` after sending part of the answer.
   */
  resetConnection?: boolean | "before" | "after" | "mid-body";
  /** Process the request, then answer 200 with a body that is not valid JSON. */
  malformedBody?: boolean;
}

/** Returned by `fake.inject`: how much of the fault is left, and a way to withdraw it. */
export interface FaultHandle {
  /** How many more requests it will apply to. */
  readonly remaining: number;
  /** Withdraws the fault before it is used up. */
  cancel(): void;
}

interface ActiveFault extends Fault {
  left: number;
}

export class FaultQueue {
  private faults: ActiveFault[] = [];
  constructor(private readonly random: () => number = Math.random) {}

  add(fault: Fault): FaultHandle {
    const times = fault.times ?? 1;
    if (!(times > 0)) throw new TypeError("inject: times must be a positive number");
    if (fault.status !== undefined && (fault.status < 100 || fault.status > 599)) throw new TypeError("inject: status must be an HTTP status");
    if (fault.probability !== undefined && !(fault.probability > 0 && fault.probability <= 1)) throw new TypeError("inject: probability must be in (0, 1]");
    const active: ActiveFault = { ...fault, left: times };
    this.faults.push(active);
    const faults = () => this.faults;
    return {
      get remaining() {
        return active.left;
      },
      cancel: () => {
        this.faults = faults().filter((f) => f !== active);
      },
    };
  }

  /** Takes the first fault that matches this request, counting it down. */
  take(request: { method: string; path: string; template?: string; operationId?: string }): Fault | undefined {
    const fault = this.faults.find((f) => f.left > 0 && matches(f.match, request) && (f.probability === undefined || this.random() < f.probability));
    if (!fault) return undefined;
    fault.left--;
    if (fault.left <= 0) this.faults = this.faults.filter((f) => f !== fault);
    return fault;
  }

  clear(): void {
    this.faults = [];
  }
}

function matches(match: FaultMatch | undefined, request: { method: string; path: string; template?: string; operationId?: string }): boolean {
  if (!match) return true;
  if (match.method && match.method.toUpperCase() !== request.method) return false;
  if (match.operationId && match.operationId !== request.operationId) return false;
  if (match.path instanceof RegExp) return match.path.test(request.path);
  if (match.path !== undefined) return match.path === request.template || match.path === request.path || `/api/v1${match.path}` === request.path;
  return true;
}

/**
 * A mix of the faults real networks and servers produce, for soak tests: 5xx, 429, resets before
 * and after Gladly processed the request and in the middle of the answer, slow answers and
 * garbled bodies. Each applies to every request with its share of `rate` (default 20 %).
 */
export function networkFaults(rate = 0.2): Fault[] {
  const mix: [Fault, number][] = [
    [{ status: 503 }, 0.25],
    [{ status: 429, retryAfter: 0 }, 0.2],
    [{ resetConnection: "before" }, 0.15],
    [{ resetConnection: "after" }, 0.15],
    [{ resetConnection: "mid-body" }, 0.1],
    [{ delayMs: 30 }, 0.1],
    [{ malformedBody: true }, 0.05],
  ];
  return mix.map(([fault, share]) => ({ ...fault, probability: rate * share, times: Infinity }));
}
