/**
 * Paces requests to the API origin through the organization's limiter, and tells it what each
 * answer said about the budget. Requests elsewhere (the file host behind an attachment's 303) are
 * not Gladly's to count.
 *
 * Guarantee: a request leaves only once the limiter admitted it; its slot is released when the
 * answer's headers arrive (a report's, once its CSV has been read), or when it fails.
 */
import { retryAfterMs } from "../errors.ts";
import type { Release } from "../limiter/slots.ts";
import type { GladlyLimiter } from "../limiter/types.ts";
import type { RetryOptions } from "./retry.ts";
import type { Answer, Layer, Priority } from "./request.ts";

const PRIORITIES = { high: 2, normal: 5, low: 8 } as const;

export function priorityValue(priority: Priority | undefined): number {
  if (priority === undefined) return PRIORITIES.normal;
  if (typeof priority === "string") return PRIORITIES[priority] ?? PRIORITIES.normal;
  return Number.isFinite(priority) ? Math.min(9, Math.max(0, Math.round(priority))) : PRIORITIES.normal;
}

function headerNumber(response: Response, name: string): number | undefined {
  const value = response.headers.get(name);
  if (value === null || value.trim() === "") return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}

export function rateLimitLayer(limiter: GladlyLimiter, apiBase: string, retry: RetryOptions | false): Layer {
  const base = new URL(apiBase);
  const origin = base.origin;
  const reportsPath = `${base.pathname.replace(/\/$/, "")}/reports`;
  const defaultBudget = retry === false ? undefined : retry.maxElapsedMs;
  return async (request, next) => {
    // Cheap on the hot path: grouped methods build URLs from this same (lower-cased) origin.
    let url = request.url;
    if (!url.startsWith(`${origin}/`)) {
      const parsed = new URL(url);
      if (parsed.origin !== origin) return next(request);
      url = parsed.href;
    }
    const pathname = url.slice(origin.length).split("?")[0]!;
    const report = pathname === reportsPath || pathname.startsWith(`${reportsPath}/`);
    const budget = request.settings.retry === false ? undefined : (request.settings.retry?.maxElapsedMs ?? defaultBudget);
    const release = await limiter.acquire({ report, priority: priorityValue(request.settings.priority), signal: request.signal, maxWaitMs: budget ?? 60_000 });
    const sentAt = performance.now();
    let answer: Answer;
    try {
      answer = await next(request);
    } catch (error) {
      release();
      throw error;
    }
    const { response } = answer;
    limiter.observe?.({
      status: response.status,
      limit: headerNumber(response, "ratelimit-limit-second"),
      remaining: headerNumber(response, "ratelimit-remaining-second"),
      retryAfterMs: response.status === 429 ? retryAfterMs(response) : undefined,
      sentAt,
    });
    // A report read here (as text) is done; one handed over unread holds its slot until consumed.
    if (!report || answer.body !== undefined) {
      release();
      return answer;
    }
    return { ...answer, response: releaseWhenConsumed(response, release) };
  };
}

/** A report holds its concurrency slot until the CSV has been read, not only until headers arrive. */
function releaseWhenConsumed(response: Response, release: Release): Response {
  if (!response.body) {
    release();
    return response;
  }
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          release();
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        release();
        controller.error(error);
      }
    },
    cancel(reason) {
      release();
      return reader.cancel(reason);
    },
  });
  const wrapped = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  Object.defineProperty(wrapped, "url", { value: response.url });
  return wrapped;
}
