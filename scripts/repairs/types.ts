import type { Spec } from "../lib/spec.ts";

export interface RepairResult {
  /** How many places the repair changed; 0 means it no longer matches the spec. */
  count: number;
  /** Short human-readable facts about what changed, printed by `generate`. */
  details?: string[];
}

export interface Repair {
  name: string;
  /** One line: why the published spec needs this. */
  reason: string;
  apply(spec: Spec): RepairResult;
}
