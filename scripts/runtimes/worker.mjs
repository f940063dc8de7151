// workerd: the checks on GET /check, and a real webhook endpoint on POST /webhook that the fake
// Gladly delivers to (a PING when the webhook is created, then events); GET /received lists them.
import { createWebhookHandler } from "gladly-api/webhooks";
import { check } from "./check.mjs";

const received = [];
let handler;

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname === "/health") return new Response("ok");
    if (pathname === "/check") {
      try {
        return Response.json({ passed: await check(JSON.parse(env.CHECK)) });
      } catch (error) {
        return Response.json({ error: String(error?.stack ?? error) });
      }
    }
    if (pathname === "/webhook") {
      handler ??= createWebhookHandler({
        verify: { credentials: { username: env.HOOK_USER, password: env.HOOK_PASSWORD } },
        on: { "CUSTOMER_PROFILE/CREATED": (event) => void received.push(event.content.customerId) },
      });
      return handler(request);
    }
    if (pathname === "/received") return Response.json(received);
    return new Response("not found", { status: 404 });
  },
};
