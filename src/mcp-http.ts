/**
 * The MCP server over Streamable HTTP on loopback, guarded against DNS rebinding: a web page
 * that points its own host name at 127.0.0.1 would otherwise reach the token-holding server.
 */
import type { IncomingMessage } from "node:http";

/** Which browser origins, besides the server itself, may call the HTTP server. */
export interface HttpGuardOptions {
  /** Extra origins allowed to call from a browser (e.g. `http://localhost:6274` for the MCP Inspector). */
  allowedOrigins?: string[];
}

/**
 * Why a request must be refused, or undefined. The Host must name the loopback address and port
 * the server listens on; an Origin, when sent, must be that same server or one allowed.
 * (The SDK's own allowedHosts/allowedOrigins are deprecated in favour of checks like this one.)
 */
export function refuseForeign(req: IncomingMessage, port: number, options: HttpGuardOptions = {}): string | undefined {
  const hosts = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  const host = req.headers.host?.toLowerCase();
  if (!host || !hosts.includes(host)) return `Host ${host ?? "(none)"} is not this server (${hosts.join(", ")})`;
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  const origins = [...hosts.map((h) => `http://${h}`), ...(options.allowedOrigins ?? []).map((o) => o.replace(/\/+$/, "").toLowerCase())];
  if (!origins.includes(origin.toLowerCase())) return `Origin ${origin} is not allowed`;
  return undefined;
}
