import { type Json, type JsonObject, type Spec, isObject, operations } from "./spec.ts";

/** One request or response example of the spec, with the schema it is meant to satisfy. */
export interface MediaExample {
  operationId: string;
  /** `request` or the response status (`200`, `404`, …). */
  where: string;
  mediaType: string;
  /** `example` for a lone `example`, else the key under `examples`. */
  name: string;
  value: Json;
  /** The media object itself, so a repair can rewrite the schema or the example in place. */
  media: JsonObject;
}

/** Every example of every request body and response of the spec, in document order. */
export function* mediaExamples(spec: Spec): Generator<MediaExample> {
  for (const { op } of operations(spec)) {
    const operationId = typeof op.operationId === "string" ? op.operationId : "(no operationId)";
    const places: [string, Json | undefined][] = [["request", isObject(op.requestBody) ? op.requestBody.content : undefined]];
    for (const [status, response] of Object.entries(isObject(op.responses) ? op.responses : {}))
      places.push([status, isObject(response) ? response.content : undefined]);
    for (const [where, content] of places) {
      if (!isObject(content)) continue;
      for (const [mediaType, media] of Object.entries(content)) {
        if (!isObject(media)) continue;
        if (media.example !== undefined) yield { operationId, where, mediaType, name: "example", value: media.example, media };
        for (const [name, example] of Object.entries(isObject(media.examples) ? media.examples : {}))
          if (isObject(example) && example.value !== undefined) yield { operationId, where, mediaType, name, value: example.value, media };
      }
    }
  }
}
