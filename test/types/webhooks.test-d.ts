/** Narrowing proven for every webhook event type. */
import { describe, expectTypeOf, it } from "vitest";
import type { GladlyClient } from "../../src/index.ts";
import { type WebhookEvent, type WebhookEventOf, type WebhookEventType, createWebhookHandler, isWebhookEvent } from "../../src/webhooks.ts";

describe("WebhookEvent", () => {
  it("narrows to exactly one member for every type literal", () => {
    type Narrowed = {
      [T in WebhookEventType]: [Extract<WebhookEvent, { type: T }>] extends [never]
        ? "never"
        : Extract<WebhookEvent, { type: T }>["type"] extends T
          ? "ok"
          : "wide";
    };
    expectTypeOf<Narrowed[WebhookEventType]>().toEqualTypeOf<"ok">();
    expectTypeOf<WebhookEvent["type"]>().toEqualTypeOf<WebhookEventType>();
  });

  it("switch, the guard and handlers all narrow", () => {
    const handle = (event: WebhookEvent) => {
      switch (event.type) {
        case "TASK/COMMENT_ADDED":
          expectTypeOf(event.content.commentId).toEqualTypeOf<string>();
          break;
        case "PING":
          expectTypeOf(event).toEqualTypeOf<WebhookEventOf<"PING">>();
          break;
      }
    };
    void handle;
    const value: unknown = {};
    if (isWebhookEvent(value, "CONVERSATION/CLOSED")) expectTypeOf(value).toEqualTypeOf<WebhookEventOf<"CONVERSATION/CLOSED">>();
    createWebhookHandler({
      on: {
        "CUSTOMER/MERGED": (event) => expectTypeOf(event.type).toEqualTypeOf<"CUSTOMER/MERGED">(),
        // @ts-expect-error not an event type
        "CUSTOMER/EXPLODED": () => undefined,
      },
    });
  });

  it("hydrate is typed by what the event carries", async () => {
    const gladly = {} as GladlyClient;
    const hydrated = await gladly.hydrate({} as WebhookEventOf<"TASK/COMMENT_ADDED">);
    expectTypeOf(hydrated.task?.id).toEqualTypeOf<string | undefined>();
    expectTypeOf(hydrated.comment?.comment).toEqualTypeOf<string | undefined>();
    // @ts-expect-error agent events carry no conversation
    void (await gladly.hydrate({} as WebhookEventOf<"AGENT_STATUS/LOGGED_IN">)).conversation;
  });
});
