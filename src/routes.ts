import { type OperationEntry, operations } from "../generated/operations.ts";

/** Where the API lives under a Gladly host. */
export const BASE_PATH = "/api/v1";

interface Route {
  op: OperationEntry;
  pattern: RegExp;
  literalSegments: number;
}

function compile(op: OperationEntry): Route {
  const escapeRegExp = (literal: string) => literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const source = op.path
    .split(/\{[^}]+\}/)
    .map(escapeRegExp)
    .join("([^/]+)");
  const literalSegments = op.path.split("/").filter((s) => s && !s.startsWith("{")).length;
  return { op, pattern: new RegExp(`^${BASE_PATH}${source}/?$`), literalSegments };
}

// Literal segments win over parameters when two templates could match the same path.
const routes = (Object.values(operations) as OperationEntry[]).map(compile).sort((a, b) => b.literalSegments - a.literalSegments);

export interface RouteMatch {
  op: OperationEntry;
  params: Record<string, string>;
}

/** The operation for a method and a raw (still percent-encoded) pathname under /api/v1. */
export function matchRoute(method: string, pathname: string): RouteMatch | { op?: undefined; pathExists: boolean } {
  let pathExists = false;
  for (const route of routes) {
    const match = route.pattern.exec(pathname);
    if (!match) continue;
    pathExists = true;
    if (route.op.method !== method) continue;
    const params: Record<string, string> = {};
    route.op.pathParams.forEach((name, i) => {
      // Each value was one segment, so decoding cannot introduce a separator that matters.
      params[name] = decodeURIComponent(match[i + 1]!);
    });
    return { op: route.op, params };
  }
  return { pathExists };
}
