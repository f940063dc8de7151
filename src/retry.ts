import { retryAfterMs as retryAfterOf } from "./errors.ts";
import type { Hooks } from "./hooks.ts";
import { AttemptTimeoutError, type BodyKind, type CallControl, callSignal } from "./send.ts";
import type { Send } from "./transport.ts";
import { sleep } from "./sleep.ts";

export interface RetryOptions {
  /** Retries after the first attempt (default 3; 0 turns retrying off). */
  maxRetries?: number;
  /** Backoff ceiling before the first retry, in ms (default 500); it doubles with each retry. */
  initialDelayMs?: number;
  /** Largest backoff, in ms (default 20 000). */
  maxDelayMs?: number;
  /** No retry starts later than this after the first attempt, in ms (default 60 000). */
  maxElapsedMs?: number;
}

const RETRY_DEFAULTS: Required<RetryOptions> = { maxRetries: 3, initialDelayMs: 500, maxDelayMs: 20_000, maxElapsedMs: 60_000 };

/** Connection failures where the request provably never reached the server. */
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH", "UND_ERR_CONNECT_TIMEOUT"]);
const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"]);

function causeCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

/** Why a thrown error may be retried, or undefined when it must not be. */
function errorReason(error: unknown, idempotent: boolean, callerAborted: boolean): string | undefined {
  if (callerAborted) return undefined;
  const code = causeCode(error);
  if (code && NOT_SENT.has(code)) return `connection failed (${code}) before the request was sent`;
  if (!idempotent) return undefined;
  if (error instanceof AttemptTimeoutError) return error.message;
  return `connection failed (${code ?? (error as Error)?.message ?? "unknown"})`;
}

/** Why a response may be retried, or undefined when it is final. */
function responseReason(status: number, idempotent: boolean): string | undefined {
  // Gladly refuses a 429 before doing anything, so even a create can be sent again.
  if (status === 429) return "429 rate limited";
  if (idempotent && (status === 502 || status === 503 || status === 504)) return `${status} from the server`;
  return undefined;
}


/**
 * Retries 429s (honouring Retry-After), 502/503/504 and network failures with exponential
 * backoff and full jitter, within a bound on attempts and on total time. A request that may have
 * reached Gladly is sent again only when it is idempotent; every retry goes back through the
 * rate limiter below this layer.
 */
export function withRetries(
  next: Send,
  settings: {
    options: RetryOptions | false;
    idempotent?: boolean | undefined;
    hooks: Hooks;
    random?: () => number;
  },
): Send {
  const options = settings.options === false ? { ...RETRY_DEFAULTS, maxRetries: 0 } : { ...RETRY_DEFAULTS, ...settings.options };
  const random = settings.random ?? Math.random;
  const { hooks } = settings;
  return async (request) => {
    // A grouped method's call: its success body is read here, so a body cut short is retried too.
    const control = request.control;
    const idempotent = settings.idempotent ?? IDEMPOTENT_METHODS.has(request.method);
    const callerSignal = control ? control.userSignal : request.signal;
    const started = performance.now();
    const attemptRequest = (attempt: number) => {
      if (attempt === 1) return request;
      // A retry gets its own timeout controller; the body is a string or bytes, so it can be sent again.
      let signal = request.signal;
      if (control) {
        control.controller = undefined;
        signal = callSignal(control);
      }
      return { ...request, signal, attempt };
    };
    for (let attempt = 1; ; attempt++) {
      if (control) control.attempts = attempt;
      let reason: string | undefined;
      let retryAfterMs: number | undefined;
      let status: number | undefined;
      try {
        const response = await next(attemptRequest(attempt));
        status = response.status;
        reason = responseReason(status, idempotent);
        if (status === 429) {
          retryAfterMs = retryAfterOf(response);
          hooks.onRateLimited?.({ method: request.method, url: request.url, attempt, retryAfterMs: retryAfterMs ?? 0 });
        }
        if (!reason || !canRetry(attempt, started, options, retryAfterMs)) {
          if (!control) return response;
          if (!response.ok) return await buffered(response);
          reason = await readBody(response, control, request.bodyKind ?? "json", idempotent && canRetry(attempt, started, options));
          if (!reason) return response;
        }
        if (!response.bodyUsed) await response.body?.cancel();
      } catch (error) {
        reason = errorReason(error, idempotent, callerSignal?.aborted ?? false);
        if (!reason || !canRetry(attempt, started, options)) throw error;
      }
      const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** (attempt - 1));
      const delayMs = retryAfterMs !== undefined ? retryAfterMs + random() * Math.min(ceiling, 250) : random() * ceiling;
      hooks.onRetry?.({ method: request.method, url: request.url, attempt, delayMs, reason, status });
      await sleep(delayMs, callerSignal);
    }
  };
}

/**
 * Reads a success body into the call's control. Returns a reason to retry when a JSON body is
 * garbled and another try is allowed; a body cut short throws, like any connection failure.
 */
async function readBody(response: Response, control: CallControl, kind: BodyKind, mayRetry: boolean): Promise<string | undefined> {
  if (kind === "none" || kind === "stream" || response.status === 204) return undefined;
  if (kind === "binary") {
    control.body = { bytes: await response.arrayBuffer() };
    return undefined;
  }
  const text = await response.text();
  control.body = { text };
  if (kind !== "json" || !text || !(response.headers.get("content-type") ?? "").includes("json")) return undefined;
  try {
    control.body.json = JSON.parse(text) as unknown;
  } catch {
    // A JSON body that does not parse was garbled on the way; for an idempotent call that is worth another try.
    if (mayRetry) return "malformed JSON body";
  }
  return undefined;
}

function canRetry(attempt: number, started: number, options: Required<RetryOptions>, waitMs = 0): boolean {
  return attempt <= options.maxRetries && performance.now() - started + waitMs <= options.maxElapsedMs;
}

/** The same response with its body already read, so that reading it can fail inside the retry loop. */
async function buffered(response: Response): Promise<Response> {
  if (!response.body) return response;
  const copy = new Response(await response.arrayBuffer(), { status: response.status, statusText: response.statusText, headers: response.headers });
  Object.defineProperty(copy, "url", { value: response.url });
  return copy;
}
