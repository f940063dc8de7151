import type { ResolvedConfig } from "./config.ts";
import { parseRetryAfter } from "./errors.ts";
import { type GladlyLimiter, type LimiterCounts, limitRequests, organizationLimiter } from "./rate-limit.ts";
import { type RetryOptions, withRetries } from "./retry.ts";
import { type BodyKind, type CallControl, sendLayer } from "./send.ts";
import { type Fetch, authLayer, followRedirects } from "./transport.ts";

export type Priority = "high" | "normal" | "low" | number;

/** What one call may set for itself. */
export interface CallSettings {
  retry?: RetryOptions | false | undefined;
  timeout?: number | undefined;
  priority?: Priority | undefined;
  /** Whether sending twice is harmless; by default decided from the HTTP method. */
  idempotent?: boolean | undefined;
  /** A grouped method's call: its timeout controller, attempts, and the body read for it. */
  control?: CallControl | undefined;
  bodyKind?: BodyKind | undefined;
  /** The request already carries its credentials and Accept (a grouped method set them). */
  headersSet?: boolean | undefined;
}

const PRIORITIES = { high: 2, normal: 5, low: 8 } as const;

export function priorityValue(priority: Priority | undefined): number {
  if (priority === undefined) return PRIORITIES.normal;
  if (typeof priority === "string") return PRIORITIES[priority];
  return Math.min(9, Math.max(0, Math.round(priority)));
}

export interface Transport {
  /** The fetch used by the openapi-fetch methods (`gladly.GET(…)`), with the client's defaults. */
  fetch: Fetch;
  /** A fetch with one call's settings. */
  forCall(settings: CallSettings): Fetch;
  /** Queue depth and budget in use of the organization's limiter. */
  counts(): LimiterCounts;
  /** Closes what the limiter holds open (its Redis connections). */
  disconnect(): Promise<void>;
}

const retryAfterMs = (response: Response) => {
  const seconds = parseRetryAfter(response.headers.get("retry-after"));
  return seconds === undefined ? undefined : seconds * 1000;
};

/**
 * The layers every request passes, outermost first: credentials → retries → redirects → rate
 * limiter → send (timeout, hooks) → fetch. A retry re-enters the limiter; a redirect hop off the
 * API origin is not counted and carries no credentials.
 */
export function createTransport(config: ResolvedConfig): Transport {
  const basePath = new URL(config.baseUrl).pathname.replace(/\/$/, "");
  const limiter: GladlyLimiter | undefined = config.rateLimit === false ? undefined : organizationLimiter(new URL(config.baseUrl).origin, config.rateLimit);
  const forCall = (settings: CallSettings): Fetch => {
    const send = sendLayer(config.fetch, settings.timeout ?? config.timeout, config.hooks, settings.control);
    const limited = limiter ? limitRequests(send, config.baseUrl, limiter, priorityValue(settings.priority), retryAfterMs) : send;
    const retry = settings.retry === undefined ? config.retry : settings.retry === false || config.retry === false ? settings.retry : { ...config.retry, ...settings.retry };
    const retried = withRetries(followRedirects(limited), { options: retry, idempotent: settings.idempotent, hooks: config.hooks, control: settings.control, bodyKind: settings.bodyKind });
    return settings.headersSet ? retried : authLayer(retried, config.authorization, basePath);
  };
  return {
    fetch: forCall({}),
    forCall,
    counts: () => limiter?.counts?.() ?? { queued: 0, inWindow: 0 },
    disconnect: async () => {
      await limiter?.disconnect?.();
    },
  };
}
