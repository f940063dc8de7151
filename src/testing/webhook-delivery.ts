import type { Webhook } from "../../generated/types.ts";
import { isLoopback } from "../host.ts";
import type { FakeEvent, FakeState } from "./state.ts";

/** One attempt of the fake to deliver an event to a webhook. */
export interface DeliveryRecord {
  /** The webhook delivered to. */
  webhookId: string;
  /** The event type delivered. */
  type: string;
  /** 1 for the first try, 2 for the first retry, … */
  attempt: number;
  /** The status the endpoint answered; 0 when it could not be reached. */
  status: number;
}

type StoredWebhook = Webhook & { id: string };

/**
 * Delivers events to the webhooks registered with the fake, as Gladly does: a POST with the
 * webhook's credentials and headers, retried 4 times after a failure, after which the webhook is
 * deactivated. Only loopback endpoints are called, so tests never reach out of the machine.
 */
export class WebhookDelivery {
  readonly deliveries: DeliveryRecord[] = [];
  private pending = new Set<Promise<void>>();

  constructor(
    private readonly state: FakeState,
    private readonly retryDelaysMs: readonly number[],
  ) {}

  private async post(webhook: StoredWebhook, payload: object): Promise<number> {
    let url: URL;
    try {
      url = new URL(webhook.url ?? "");
    } catch {
      return 0;
    }
    if (!isLoopback(url)) return 0;
    const headers: Record<string, string> = { "Content-Type": "application/json", ...webhook.headers };
    if (webhook.credentials)
      headers.Authorization = `Basic ${Buffer.from(`${webhook.credentials.username}:${webhook.credentials.password}`).toString("base64")}`;
    try {
      const response = await fetch(url, { method: "POST", headers, body: JSON.stringify(payload), signal: AbortSignal.timeout(15_000) });
      await response.body?.cancel();
      return response.status;
    } catch {
      return 0;
    }
  }

  /** The PING Gladly sends when a webhook is created or its URL changes; anything but 200 fails that call. */
  async ping(webhook: StoredWebhook): Promise<number> {
    const status = await this.post(webhook, { type: "PING" });
    this.deliveries.push({ webhookId: webhook.id, type: "PING", attempt: 1, status });
    return status;
  }

  /** Sends an event to every enabled webhook that asked for its type. */
  dispatch(event: FakeEvent): void {
    for (const webhook of this.state.webhooks.values()) {
      if (!webhook.enabled || !(webhook.events as string[] | undefined)?.includes(event.type)) continue;
      const delivery = this.deliver(webhook, event).finally(() => this.pending.delete(delivery));
      this.pending.add(delivery);
    }
  }

  private async deliver(webhook: StoredWebhook, event: FakeEvent): Promise<void> {
    for (let attempt = 1; attempt <= this.retryDelaysMs.length + 1; attempt++) {
      const status = await this.post(webhook, event);
      this.deliveries.push({ webhookId: webhook.id, type: event.type, attempt, status });
      if (status >= 200 && status < 300) return;
      if (attempt <= this.retryDelaysMs.length) await new Promise((resolve) => setTimeout(resolve, this.retryDelaysMs[attempt - 1]));
    }
    Object.assign(webhook, { enabled: false, disabledAtDueToRetryLimit: this.state.now() });
  }

  /** Resolves when every delivery under way (with its retries) has finished. */
  async settled(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }
}
