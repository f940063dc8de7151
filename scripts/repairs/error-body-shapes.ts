import { mediaExamples } from "../lib/examples.ts";
import { type Json, type JsonObject, isObject } from "../lib/spec.ts";
import { resolveSchema } from "./example-objects.ts";
import type { Repair } from "./types.ts";

/**
 * Error responses say `{ errors: Error[] }`, yet their own examples show `errors` as one object
 * (getCustomer's 404 and a dozen more) and deleteJob's 400 as a bare list. The examples are the
 * only record of the wire, and the client reads all three shapes (parseErrorDetails), so the
 * schema of each such response widens to `anyOf` the documented list and what its examples show.
 */
export const errorBodyShapes: Repair = {
  name: "error-body-shapes",
  reason:
    "error examples send `errors` as one object, or the errors as a bare list, where the schema says `{ errors: [...] }`; each such response accepts what its examples show",
  apply(spec) {
    const fixed: string[] = [];
    // Each response's examples together: one response may show several.
    const byMedia = new Map<JsonObject, { operationId: string; where: string; values: Json[] }>();
    for (const { operationId, where, media, value } of mediaExamples(spec)) {
      if (!/^[45]/.test(where)) continue;
      if (!byMedia.has(media)) byMedia.set(media, { operationId, where, values: [] });
      byMedia.get(media)!.values.push(value);
    }
    for (const [media, { operationId, where, values }] of byMedia) {
      const listSchema = resolveSchema(spec, media.schema);
      const errors = isObject(listSchema?.properties) ? listSchema.properties.errors : undefined;
      if (!isObject(errors) || errors.type !== "array" || !isObject(errors.items)) continue;
      const single = values.filter((v) => isObject(v) && isObject(v.errors)).length;
      const bare = values.filter(Array.isArray).length;
      if (!single && !bare) continue;
      const item = structuredClone(errors.items);
      media.schema = {
        anyOf: [
          media.schema!,
          ...(single ? [{ type: "object", description: "`errors` as one object, as this response's examples show", properties: { errors: item } }] : []),
          ...(bare ? [{ type: "array", description: "the errors as a bare list, as this response's example shows", items: item }] : []),
        ],
      };
      const shown = [single && `\`errors\` as one object (${single} example${single > 1 ? "s" : ""})`, bare && "a bare list of errors"].filter(Boolean);
      fixed.push(`${operationId} ${where}: also ${shown.join(" and ")}`);
    }
    return { count: fixed.length, details: fixed };
  },
};
