/**
 * What travels through the pipeline: one request with every setting of its call, and the answer
 * coming back. A `Request` object is built only at the very end, by fetch itself: building one per
 * layer costs more than everything else the client does.
 */
import type { OperationEntry } from "../../generated/operations.ts";
import type { Deadline } from "./deadline.ts";
import type { RetryOptions } from "./retry.ts";

/** A call's place in the rate limiter's queue: `"high"`, `"normal"` (default), `"low"`, or 0 (first) … 9 (last). */
export type Priority = "high" | "normal" | "low" | number;

/**
 * How the answer's body is read: parsed JSON, text, bytes, not at all ("none"), left to the caller
 * on success ("stream": an error answer is still read, to be thrown), or always left ("raw":
 * openapi-fetch reads every answer itself).
 */
export type BodyKind = "json" | "text" | "binary" | "none" | "stream" | "raw";

/** What one call may set for itself, over the client's settings. */
export interface CallSettings {
  retry?: RetryOptions | false | undefined;
  /** Milliseconds an attempt may take (the body included when the pipeline reads it). */
  timeout?: number | undefined;
  priority?: Priority | undefined;
  /** Whether sending twice is harmless; by default decided from the operation and method. */
  idempotent?: boolean | undefined;
  /** False to hand back a redirect instead of following it. */
  followRedirects?: boolean | undefined;
  /** Told each time the request is handed to fetch (past the rate limiter's queue): it may reach the server from then on. */
  onSent?: (() => void) | undefined;
}

/** One request as it travels through the pipeline's layers, with every setting of its call. */
export interface PipelineRequest {
  url: string;
  method: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body?: string | ArrayBuffer | undefined;
  /** The operation called, when known (grouped methods; openapi-fetch calls by their schema path). */
  operation?: OperationEntry | undefined;
  read: BodyKind;
  /** The caller's signal: its abort ends the call and is never retried. */
  signal?: AbortSignal | undefined;
  /** When this attempt must end (set by the timeout layer when the caller gave no signal to carry it). */
  deadline?: Deadline | undefined;
  /** 1 for the first try, 2 for the first retry, … */
  attempt: number;
  settings: CallSettings;
}

/** A body read in full (inside the retry loop, so a body cut short is retried like any failure). */
export type ReadBody =
  | { kind: "json"; value: unknown; text: string }
  | { kind: "json-invalid"; text: string }
  | { kind: "text"; value: string }
  | { kind: "binary"; value: ArrayBuffer }
  | { kind: "none" }
  /** An error answer's body: JSON when it parses, text otherwise. */
  | { kind: "error"; value: unknown };

/** What comes back through the pipeline: the response and, once read, its body. */
export interface Answer {
  response: Response;
  /** How many attempts were sent (set by the retry layer). */
  attempts?: number | undefined;
  /** Undefined until the read layer reads it, and for streams. */
  body?: ReadBody | undefined;
}

/** Sends a request through the (rest of the) pipeline. */
export type Send = (request: PipelineRequest) => Promise<Answer>;

/** One step of the pipeline: does its part, and calls `next` for the rest. */
export type Layer = (request: PipelineRequest, next: Send) => Promise<Answer>;

/** Chains layers, outermost first, in front of `last`. */
export function compose(layers: readonly Layer[], last: Send): Send {
  return layers.reduceRight<Send>((next, layer) => (request) => layer(request, next), last);
}
