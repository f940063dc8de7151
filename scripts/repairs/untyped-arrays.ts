import { type Json, type JsonObject, describeLocation, isObject, transform } from "../lib/spec.ts";
import type { Repair } from "./types.ts";

/** `Available Types: \`A\`, \`B\`` in a description → ["A", "B"]. */
function listedValues(description: Json | undefined): string[] | undefined {
  if (typeof description !== "string") return undefined;
  const list = /Available Types:([^\n]*)/.exec(description)?.[1];
  const values = list ? [...list.matchAll(/`([^`]+)`/g)].map((m) => m[1]!) : [];
  return values.length ? values : undefined;
}

function inferItems(array: JsonObject, outerDescription: Json | undefined): JsonObject | undefined {
  // Gladly puts the element enum on the array itself.
  if (Array.isArray(array.enum)) return { type: "string", enum: array.enum };
  const listed = listedValues(array.description) ?? listedValues(outerDescription);
  if (listed) return { type: "string", enum: listed };
  const example = array.example;
  if (Array.isArray(example) && example.length && example.every((v) => typeof v === "string")) return { type: "string" };
  return undefined;
}

export const untypedArrays: Repair = {
  name: "untyped-arrays",
  reason: "arrays without `items` (enum put on the array, values only in prose) would type as unknown[]",
  apply(spec) {
    const fixed: string[] = [];
    // A parameter's prose sits beside its schema, not in it.
    const parameterDescriptions = new Map<JsonObject, Json | undefined>();
    transform(spec, (node, at) => {
      if (typeof node.in === "string" && isObject(node.schema)) parameterDescriptions.set(node.schema, node.description);
      if (node.type !== "array" || node.items !== undefined) return undefined;
      const items = inferItems(node, parameterDescriptions.get(node));
      if (!items) throw new Error(`untyped-arrays: cannot infer the items of the array at ${at.join("/")}`);
      node.items = items;
      delete node.enum;
      fixed.push(`${describeLocation(at)}: ${Array.isArray(items.enum) ? items.enum.join(" | ") : items.type}`);
      return undefined;
    });
    return { count: fixed.length, details: fixed };
  },
};
