/** One entry of Gladly's error body: `{"errors":[{"attr":"email","code":"taken","detail":"…"}]}`. */
export interface GladlyErrorDetail {
  /** The attribute at fault, e.g. `email`; absent for errors about the request as a whole. */
  attr?: string;
  /** Machine-readable reason, e.g. `taken`. */
  code: string;
  /** Human-readable explanation. */
  detail: string;
  /** Further data some errors carry. */
  meta?: Record<string, unknown>;
}

/** What a {@link GladlyError} is made of; for code that wraps or fakes the client's errors. */
export interface GladlyErrorInit {
  status?: number | undefined;
  method: string;
  url: string;
  requestId?: string | undefined;
  errors?: GladlyErrorDetail[];
  body?: unknown;
  cause?: unknown;
}

/**
 * A URL as the client reports it (errors, hooks, the debug log): never userinfo or a fragment, and,
 * off the API's origin, no query string either: the file URL Gladly redirects to (a signed storage
 * link) carries its signature and session token there. The path stays, to say which file it was.
 * Without `apiOrigin` only userinfo and fragment go (a GladlyError built without knowing the origin).
 */
export function reportedUrl(url: string, apiOrigin?: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    parsed.hash = "";
    if (apiOrigin !== undefined && parsed.origin !== apiOrigin) parsed.search = "";
    return parsed.toString();
  } catch {
    return "(invalid url)";
  }
}

/** Every failure of a call to Gladly: an HTTP error status, or no usable response at all. */
export class GladlyError extends Error {
  override name = "GladlyError";
  /** HTTP status; undefined when no response arrived (see GladlyConnectionError). */
  readonly status: number | undefined;
  /** The HTTP method of the failed call. */
  readonly method: string;
  /** The request URL, without credentials; off Gladly's API origin without its query string (see reportedUrl). */
  readonly url: string;
  /** The request id from the response headers (X-Request-Id and the like), for Gladly support. */
  readonly requestId: string | undefined;
  /** Gladly's error details (`attr`, `code`, `detail`); empty when the body had none. */
  readonly errors: GladlyErrorDetail[];
  /** The parsed error body (JSON, or text when it was not JSON). */
  readonly body: unknown;

  constructor(message: string, init: GladlyErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.method = init.method;
    this.url = reportedUrl(init.url);
    this.requestId = init.requestId;
    this.errors = init.errors ?? [];
    this.body = init.body;
  }

  /** What `JSON.stringify` and loggers see: name, message, status, method, URL, request id and details; never the body or the cause. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, message: this.message, status: this.status, method: this.method, url: this.url, requestId: this.requestId, errors: this.errors };
  }
}

/** 400: the request did not pass Gladly's validation; `errors` names each attribute. */
export class GladlyValidationError extends GladlyError {
  override name = "GladlyValidationError";
}
/** 401: missing or wrong agent email / API token. */
export class GladlyAuthenticationError extends GladlyError {
  override name = "GladlyAuthenticationError";
}
/** 403: the API user lacks a permission for this call. */
export class GladlyPermissionError extends GladlyError {
  override name = "GladlyPermissionError";
}
/** 404 */
export class GladlyNotFoundError extends GladlyError {
  override name = "GladlyNotFoundError";
}
/** 409: e.g. an id or email that is already taken. */
export class GladlyConflictError extends GladlyError {
  override name = "GladlyConflictError";
}
/** 429: the organization's rate limit was exceeded. */
export class GladlyRateLimitError extends GladlyError {
  override name = "GladlyRateLimitError";
  /** Seconds to wait, from `Retry-After` (seconds or HTTP date), when the response had one. */
  readonly retryAfter: number | undefined;
  constructor(message: string, init: GladlyErrorInit & { retryAfter?: number | undefined }) {
    super(message, init);
    this.retryAfter = init.retryAfter;
  }
}
/** 5xx */
export class GladlyServerError extends GladlyError {
  override name = "GladlyServerError";
}
/** No usable response: network failure, reset, timeout, CORS refusal, or a body cut short. */
export class GladlyConnectionError extends GladlyError {
  override name = "GladlyConnectionError";
}
/**
 * The caller's own AbortSignal ended the call: not a failure of Gladly or of the network, so
 * type-ahead code can ignore it. `cause` is the signal's reason.
 */
export class GladlyAbortError extends GladlyError {
  override name = "GladlyAbortError";
}
/** The shared rate limiter (Redis) could not be reached and `rateLimit.redisFallback` is "fail"; nothing was sent. */
export class GladlyLimiterError extends GladlyError {
  override name = "GladlyLimiterError";
}
/**
 * 301 on a customer route: the customer was merged into another. Thrown only when the client
 * was created with `followMergedCustomers: false`; by default the call is re-issued for `newCustomerId`.
 */
export class GladlyCustomerMergedError extends GladlyError {
  override name = "GladlyCustomerMergedError";
  /** The id the call was made with, when known. */
  readonly oldCustomerId: string | undefined;
  /** The id of the customer it was merged into. */
  readonly newCustomerId: string;
  constructor(message: string, init: GladlyErrorInit & { oldCustomerId?: string | undefined; newCustomerId: string }) {
    super(message, init);
    this.oldCustomerId = init.oldCustomerId;
    this.newCustomerId = init.newCustomerId;
  }
}

/**
 * A mistake caught before anything was sent: bad options, a bad organization name, a missing or
 * unsafe path parameter. Not a GladlyError, since Gladly never saw it.
 */
export class GladlyInputError extends TypeError {
  override name = "GladlyInputError";
  /** The option or parameter at fault. */
  readonly param: string;
  constructor(param: string, message: string) {
    super(`${param}: ${message}`);
    this.param = param;
  }
}

const REQUEST_ID_HEADERS = ["x-request-id", "request-id", "x-gladly-request-id", "x-amzn-requestid", "x-amz-cf-id"];

function toDetail(value: unknown): GladlyErrorDetail | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.code !== "string" && typeof v.detail !== "string") return undefined;
  const detail: GladlyErrorDetail = { code: String(v.code ?? "unknown"), detail: String(v.detail ?? "") };
  if (typeof v.attr === "string") detail.attr = v.attr;
  if (typeof v.meta === "object" && v.meta !== null) detail.meta = v.meta as Record<string, unknown>;
  return detail;
}

/**
 * Gladly sends `errors` as a list, in places as a single object (getCustomer's 404), and for
 * deleteJob's 400 the errors as a bare list without the `errors` wrapper; all three are read.
 */
export function parseErrorDetails(body: unknown): GladlyErrorDetail[] {
  if (Array.isArray(body)) return body.map(toDetail).filter((d): d is GladlyErrorDetail => d !== undefined);
  if (typeof body !== "object" || body === null) return [];
  const errors = (body as { errors?: unknown }).errors;
  const list = Array.isArray(errors) ? errors : errors === undefined ? [] : [errors];
  return list.map(toDetail).filter((d): d is GladlyErrorDetail => d !== undefined);
}

/** `Retry-After` as seconds from now, for both of its forms. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

function excerpt(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** Reads an error response body leniently: JSON when it parses, text otherwise, never throws. */
export async function readErrorBody(response: Response): Promise<unknown> {
  let text: string;
  try {
    text = await response.text();
  } catch {
    return undefined;
  }
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The path of a URL for a message (the URL itself when it does not parse). */
export function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

/** One of Gladly's error details as a message reads it: `attr: detail (code)`. */
export function formatErrorDetail(detail: GladlyErrorDetail): string {
  return `${detail.attr ? `${detail.attr}: ` : ""}${detail.detail || detail.code} (${detail.code})`;
}

/** A response's `Retry-After`, in milliseconds from now, when it has one. */
export function retryAfterMs(response: Response): number | undefined {
  const seconds = parseRetryAfter(response.headers.get("retry-after"));
  return seconds === undefined ? undefined : seconds * 1000;
}

/** Maps a non-success response to the matching error class. */
export function errorFromResponse(response: Response, body: unknown, method: string, url: string): GladlyError {
  const status = response.status;
  const errors = parseErrorDetails(body);
  const requestId = REQUEST_ID_HEADERS.map((h) => response.headers.get(h)).find((v): v is string => !!v);
  const what = errors.length
    ? errors.map(formatErrorDetail).join("; ")
    : typeof body === "string" && body
      ? excerpt(body)
      : response.statusText || "no details";
  const message = `${method} ${pathOf(url)} → ${status}: ${what}`;
  const init: GladlyErrorInit = { status, method, url, requestId, errors, body };
  switch (true) {
    case status === 400:
      return new GladlyValidationError(message, init);
    case status === 401:
      return new GladlyAuthenticationError(message, init);
    case status === 403:
      return new GladlyPermissionError(message, init);
    case status === 404:
      return new GladlyNotFoundError(message, init);
    case status === 409:
      return new GladlyConflictError(message, init);
    case status === 429:
      return new GladlyRateLimitError(message, { ...init, retryAfter: parseRetryAfter(response.headers.get("retry-after")) });
    case status >= 500:
      return new GladlyServerError(message, init);
    default:
      return new GladlyError(message, init);
  }
}

/** Wraps whatever `fetch` threw (or a body that broke off) as a GladlyConnectionError. */
export function connectionError(cause: unknown, method: string, url: string, stage = "request failed"): GladlyConnectionError {
  const reason = cause instanceof Error ? (cause.name === "AbortError" || cause.name === "TimeoutError" ? cause.name : cause.message) : String(cause);
  const inner = cause instanceof Error && cause.cause instanceof Error ? ` (${cause.cause.message})` : "";
  return new GladlyConnectionError(`${method} ${pathOf(url)}: ${stage}: ${reason}${inner}`, { method, url, cause });
}

/**
 * A feature needs something this install or runtime does not have: an optional package
 * (`ajv` for the fake, `@modelcontextprotocol/sdk` for `gladly mcp`), or a Node.js API such as
 * the file system where the runtime has none (saving files on Cloudflare Workers). The message
 * says what to install or what to use instead.
 */
export class GladlyMissingDependencyError extends Error {
  override name = "GladlyMissingDependencyError";
  /** The package or built-in module that is missing, e.g. `ajv` or `node:fs/promises`. */
  readonly dependency: string;
  constructor(dependency: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.dependency = dependency;
  }
}
