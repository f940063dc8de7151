import { type Json, type JsonObject, type Spec, isObject, pascalCase, renameComponent } from "../lib/spec.ts";
import type { Repair } from "./types.ts";

const WEBHOOK_PATH = "/gladly/webhook";
export const WEBHOOK_EVENT = "WebhookEvent";

function componentName(ref: Json | undefined): string | undefined {
  return typeof ref === "string" && ref.startsWith("#/components/schemas/") ? ref.slice("#/components/schemas/".length) : undefined;
}

/** `"Customer Profile Merged (deprecated)"` → `CustomerProfileMergedEvent`. */
function eventName(member: JsonObject, spec: Spec): string {
  const title = typeof member.title === "string" ? member.title : undefined;
  const type = isObject(member.properties) && isObject(member.properties.type) ? member.properties.type.enum : undefined;
  const from = title ?? (Array.isArray(type) && typeof type[0] === "string" ? type[0].toLowerCase() : undefined);
  if (!from) throw new Error(`webhook-payload-schema: an event member has neither title nor type: ${JSON.stringify(member).slice(0, 120)}`);
  // An all-caps title is a type literal (`PING`), not words.
  const name = `${pascalCase(from === from.toUpperCase() ? from.toLowerCase() : from)}Event`;
  if (spec.components.schemas?.[name]) throw new Error(`webhook-payload-schema: ${name} already exists`);
  return name;
}

/**
 * `/gladly/webhook` describes what Gladly POSTs to *your* server, not an endpoint of Gladly's API.
 * Its body becomes the named `WebhookEvent` union, each member a named `…Event` schema.
 */
export const webhookPayloadSchema: Repair = {
  name: "webhook-payload-schema",
  reason:
    "/gladly/webhook is the payload Gladly sends to integrators, not a callable operation; its body becomes the WebhookEvent union (PING, given only in prose, gets a type literal)",
  apply(spec) {
    const item = spec.paths[WEBHOOK_PATH];
    if (!isObject(item)) return { count: 0 };
    const post = item.post;
    const content =
      isObject(post) && isObject(post.requestBody) && isObject(post.requestBody.content) ? post.requestBody.content["application/json"] : undefined;
    if (!isObject(content) || !isObject(content.schema)) throw new Error("webhook-payload-schema: /gladly/webhook has no JSON body schema");
    delete spec.paths[WEBHOOK_PATH];
    spec.components.schemas ??= {};
    const schemas = spec.components.schemas;

    const hoisted = componentName(content.schema.$ref);
    if (hoisted) renameComponent(spec, "schemas", hoisted, WEBHOOK_EVENT);
    else schemas[WEBHOOK_EVENT] = content.schema;
    const union = schemas[WEBHOOK_EVENT];
    if (!isObject(union) || !Array.isArray(union.oneOf)) throw new Error("webhook-payload-schema: the webhook body is not a oneOf of events");

    let untyped = 0;
    union.oneOf = union.oneOf.map((member) => {
      const existing = componentName(isObject(member) ? member.$ref : undefined);
      const schema = existing ? schemas[existing] : member;
      if (!isObject(schema)) throw new Error("webhook-payload-schema: an event member is not an object schema");
      const name = eventName(schema, spec);
      // PING ("sent when a webhook is created or its URL changes") comes with prose only; without a
      // `type` literal it would turn the whole union's `type` into unknown and defeat narrowing.
      if (!schema.properties && !schema.oneOf && !schema.allOf && typeof schema.title === "string" && /^[A-Z_/]+$/.test(schema.title)) {
        Object.assign(schema, {
          type: "object",
          required: ["type"],
          properties: { type: { type: "string", enum: [schema.title] } },
          additionalProperties: true,
        });
        untyped++;
      }
      if (existing) renameComponent(spec, "schemas", existing, name);
      else schemas[name] = schema;
      return { $ref: `#/components/schemas/${name}` };
    });
    const details = [`${union.oneOf.length} event types in ${WEBHOOK_EVENT}`];
    if (untyped) details.push(`${untyped} event type(s) without a schema given a \`type\` literal (PING)`);
    return { count: 1, details };
  },
};
