import type { ResolvedConfig } from "./config.ts";
import { retryAfterMs } from "./errors.ts";
import { type GladlyLimiter, type LimiterCounts, limitRequests, organizationLimiter } from "./rate-limit.ts";
import { type RetryOptions, withRetries } from "./retry.ts";
import { sendLayer } from "./send.ts";
import { type Fetch, type Send, authLayer, fetchLayer, followRedirects } from "./transport.ts";

export type Priority = "high" | "normal" | "low" | number;

/** What one call may set for itself. */
export interface CallSettings {
  retry?: RetryOptions | false | undefined;
  timeout?: number | undefined;
  priority?: Priority | undefined;
  /** Whether sending twice is harmless; by default decided from the HTTP method. */
  idempotent?: boolean | undefined;
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
  /** The layers with one call's settings. */
  forCall(settings: CallSettings): Send;
  /** Queue depth and budget in use of the organization's limiter. */
  counts(): LimiterCounts;
  /** Closes what the limiter holds open (its Redis connections). */
  disconnect(): Promise<void>;
}

/**
 * The layers every request passes, outermost first: credentials → retries → redirects → rate
 * limiter → send (timeout, hooks) → fetch. A retry re-enters the limiter; a redirect hop off the
 * API origin is not counted and carries no credentials.
 */
export function createTransport(config: ResolvedConfig): Transport {
  const basePath = new URL(config.baseUrl).pathname.replace(/\/$/, "");
  const limiter: GladlyLimiter | undefined = config.rateLimit === false ? undefined : organizationLimiter(new URL(config.baseUrl).origin, config.rateLimit);
  const build = (settings: CallSettings): Send => {
    const send = sendLayer(fetchLayer(config.fetch), settings.timeout ?? config.timeout, config.hooks);
    const limited = limiter ? limitRequests(send, config.baseUrl, limiter, priorityValue(settings.priority), retryAfterMs) : send;
    const retry = settings.retry === undefined ? config.retry : settings.retry === false || config.retry === false ? settings.retry : { ...config.retry, ...settings.retry };
    return withRetries(followRedirects(limited), { options: retry, idempotent: settings.idempotent, hooks: config.hooks });
  };
  // Chains depend on a few settings only; the common combinations are built once.
  const built = new Map<string, Send>();
  const forCall = (settings: CallSettings): Send => {
    if (settings.retry !== undefined) return build(settings);
    const key = `${settings.timeout}|${settings.priority}|${settings.idempotent}`;
    let chain = built.get(key);
    if (!chain) built.set(key, (chain = build(settings)));
    return chain;
  };
  return {
    fetch: authLayer(forCall({}), config.authorization, basePath),
    forCall,
    counts: () => limiter?.counts?.() ?? { queued: 0, inWindow: 0 },
    disconnect: async () => {
      await limiter?.disconnect?.();
    },
  };
}
