/**
 * The request pipeline, in the order a request passes it. Each layer is one file of this folder
 * and says at its top what it guarantees; per-call settings travel with the request.
 *
 *   typed errors → credentials → retries → redirects → rate limit → hooks → timeout → body read → fetch
 *
 * A retry goes back through the redirect and rate-limit layers, so it is paced like any request; a
 * redirect hop off the API origin is neither paced nor given credentials, and the hooks see its URL
 * without its query string (a signed file link's secret; see reportingHooks).
 */
import type { ResolvedConfig } from "../config.ts";
import { reportingHooks } from "../hooks.ts";
import type { GladlyLimiter } from "../limiter/types.ts";
import { authLayer } from "./auth.ts";
import { fetchStep } from "./fetch.ts";
import { observeLayer } from "./observe.ts";
import { rateLimitLayer } from "./rate-limit.ts";
import { readBodyLayer } from "./read-body.ts";
import { redirectsLayer } from "./redirects.ts";
import { type Layer, type Send, compose } from "./request.ts";
import { retryLayer } from "./retry.ts";
import { timeoutLayer } from "./timeout.ts";
import { typedErrorsLayer } from "./typed-errors.ts";

export function createPipeline(config: ResolvedConfig, limiter: GladlyLimiter | undefined): Send {
  const apiOrigin = new URL(config.baseUrl).origin;
  const hooks = reportingHooks(config.hooks, apiOrigin);
  const layers: Layer[] = [
    typedErrorsLayer(apiOrigin),
    authLayer(config.authorization),
    retryLayer(config.retry, hooks),
    redirectsLayer,
    ...(limiter ? [rateLimitLayer(limiter, config.baseUrl, config.retry)] : []),
    observeLayer(hooks),
    timeoutLayer(config.timeout),
    readBodyLayer,
  ];
  return compose(layers, fetchStep(config.fetch));
}

export type { Answer, BodyKind, CallSettings, PipelineRequest, Priority, ReadBody, Send } from "./request.ts";
