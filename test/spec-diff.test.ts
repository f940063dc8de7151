import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { changesetFor, diffSpecs, formatDiff } from "../scripts/spec-diff.ts";
import { SPEC_TEXT } from "./helpers/spec.ts";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

describe("spec:diff", () => {
  it("summarizes the two fixture specs and asks for a major release (an operation is gone)", () => {
    const diff = diffSpecs(fixture("spec-old.yml"), fixture("spec-new.yml"));
    expect(diff).toEqual({
      added: ["createWidget"],
      removed: ["deleteWidget"],
      changed: [{ operationId: "listWidgets", what: ["query parameter color added"] }],
      schemasAdded: ["Gadget", "WidgetResponse"],
      schemasRemoved: [],
      schemasChanged: ["Widget"],
      bump: "major",
    });
    expect(formatDiff(diff)).toContain("## Gladly API changes (changeset: major)");
    expect(changesetFor(diff)).toMatch(/^---\n"gladly-api": major\n---\n\nRegenerated from Gladly's newly published API spec\.\n\n### Operations added/);
  });

  it("asks for a minor release when things are only added, and none when nothing changed", () => {
    expect(diffSpecs(fixture("spec-old.yml"), fixture("spec-old.yml")).bump).toBe("none");
    expect(changesetFor(diffSpecs(fixture("spec-old.yml"), fixture("spec-old.yml")))).toBeUndefined();
    const onlyAdded = fixture("spec-new.yml").replace(
      /\n {2}\/api\/v1\/widgets\/\{widgetId\}:[\s\S]*?(?=\ncomponents:)/,
      `\n${fixture("spec-old.yml").match(/ {2}\/api\/v1\/widgets\/\{widgetId\}:[\s\S]*?(?=\ncomponents:)/)![0]}`,
    );
    expect(diffSpecs(fixture("spec-old.yml"), onlyAdded).removed).toEqual([]);
    expect(diffSpecs(fixture("spec-old.yml"), onlyAdded).bump).toBe("minor");
  });

  it("sees no change between the vendored spec and itself", () => {
    expect(diffSpecs(SPEC_TEXT, SPEC_TEXT).bump).toBe("none");
  });
});
