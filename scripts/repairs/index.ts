import { hoistPathRefs } from "./hoist-path-refs.ts";
import { consistentTagNames, missingOperationIds, publicAnswersWithoutAuth, singleBasicAuthScheme } from "./operations.ts";
import { colonPathParams, queryInPathKeys, stripServerBasePath } from "./path-keys.ts";
import type { Repair } from "./types.ts";
import { untypedArrays } from "./untyped-arrays.ts";
import { requiredProperties } from "./required-properties.ts";
import { emptyRequestBody } from "./empty-request-body.ts";
import { webhookPayloadSchema } from "./webhook-payload-schema.ts";
import { misplacedExamples } from "./misplaced-examples.ts";
import { descriptionCorrections } from "./description-corrections.ts";
import { exampleObjectsAsValues } from "./example-objects.ts";
import { overlappingOneOf } from "./overlapping-one-of.ts";
import { plainChatMessageType } from "./plain-chat-message-type.ts";
import { errorBodyShapes } from "./error-body-shapes.ts";
import { alwaysReturnedProperties } from "./always-returned-properties.ts";

/** Applied in this order; each later repair may rely on the earlier ones. */
export const REPAIRS: readonly Repair[] = [
  hoistPathRefs,
  webhookPayloadSchema,
  queryInPathKeys,
  colonPathParams,
  stripServerBasePath,
  missingOperationIds,
  singleBasicAuthScheme,
  consistentTagNames,
  publicAnswersWithoutAuth,
  untypedArrays,
  requiredProperties,
  emptyRequestBody,
  misplacedExamples,
  exampleObjectsAsValues,
  overlappingOneOf,
  plainChatMessageType,
  errorBodyShapes,
  // Last of the schema repairs: it reads the examples the ones above made consistent.
  alwaysReturnedProperties,
  descriptionCorrections,
];

export type { Repair, RepairResult } from "./types.ts";
