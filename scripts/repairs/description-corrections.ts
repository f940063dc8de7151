import { type JsonObject, isObject, operations } from "../lib/spec.ts";
import type { Repair } from "./types.ts";

interface Correction {
  operationId: string;
  /** A parameter's description; the operation's own when absent. */
  parameter?: string;
  wrong: string;
  right: string;
  why: string;
}

/**
 * Prose the spec gets wrong for a caller of this client. Each correction names the exact text it
 * replaces, so one that no longer matches (upstream fixed or reworded it) shows in the count.
 */
const CORRECTIONS: readonly Correction[] = [
  {
    operationId: "findCustomers",
    parameter: "phoneNumber",
    wrong: "The value should be URL escaped where `+` becomes `%2B`.",
    right: "Pass it as is, such as `+16505551987`: the client URL-encodes it, and escaping the `+` yourself finds nobody.",
    why: "telling callers to send `%2B` makes the client send `%252B`",
  },
  {
    operationId: "findCustomers",
    wrong: "```\n/api/v1/customer-profiles?phoneNumber=%2B14151234567\n```",
    right: '`phoneNumber: "+14151234567"` (the client URL-encodes the `+`)',
    why: "the raw URL example invites callers to escape the `+` themselves",
  },
];

export const descriptionCorrections: Repair = {
  name: "description-corrections",
  reason:
    "descriptions that tell callers to do what breaks with this client (findCustomers: escape `+` as `%2B` by hand); each correction names the text it replaces",
  apply(spec) {
    const fixed: string[] = [];
    const byId = new Map([...operations(spec)].map((entry) => [entry.op.operationId, entry]));
    for (const correction of CORRECTIONS) {
      const entry = byId.get(correction.operationId);
      if (!entry) continue;
      const parameters = [...((entry.item.parameters as JsonObject[] | undefined) ?? []), ...((entry.op.parameters as JsonObject[] | undefined) ?? [])];
      const target = correction.parameter ? parameters.find((p) => isObject(p) && p.name === correction.parameter) : entry.op;
      if (!target || typeof target.description !== "string" || !target.description.includes(correction.wrong)) continue;
      target.description = target.description.replace(correction.wrong, correction.right);
      fixed.push(`${correction.operationId}${correction.parameter ? ` ${correction.parameter}` : ""}: ${correction.why}`);
    }
    return { count: fixed.length, details: fixed };
  },
};
