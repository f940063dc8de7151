import type { operations as OperationTypes } from "../../generated/schema.ts";
import { GladlyInputError } from "../errors.ts";
import { type CallOptions, type OperationContext, openStream } from "../operations.ts";
import { checkMaxLineBytes, jsonLines } from "./lines.ts";
import { sleep } from "../sleep.ts";

/** One line of `GET /events`: every event type Gladly streams, narrowable by `type`. */
export type GladlyEvent = OperationTypes["getEvents"]["responses"][200]["content"]["application/x-jsonlines"];

/** The entities `GET /events` streams events of, for `events.iterate` and `events.tail`. */
export const EVENT_ENTITIES = [
  "AGENT_AVAILABILITY",
  "AGENT_STATUS",
  "CONTACT",
  "CONVERSATION",
  "CUSTOMER",
  "CUSTOMER_PROFILE",
  "PAYMENT_REQUEST",
  "TASK",
] as const;
/** One of {@link EVENT_ENTITIES}. */
export type EventEntity = (typeof EVENT_ENTITIES)[number];

/** The type prefixes each entity's events carry (CONVERSATION also covers CONVERSATION_ASSIGNEE/…, CONVERSATION_STATUS/…). */
interface EntityPrefixes {
  AGENT_AVAILABILITY: "AGENT_AVAILABILITY";
  AGENT_STATUS: "AGENT_STATUS";
  CONTACT: "CONTACT";
  CONVERSATION: "CONVERSATION" | "CONVERSATION_ASSIGNEE" | "CONVERSATION_STATUS";
  CUSTOMER: "CUSTOMER";
  CUSTOMER_PROFILE: "CUSTOMER_PROFILE";
  PAYMENT_REQUEST: "PAYMENT_REQUEST";
  TASK: "TASK";
}

/** The events of the given entities only. */
export type EventOf<E extends EventEntity> = Extract<GladlyEvent, { type: `${EntityPrefixes[E]}/${string}` }>;

const DAY_MS = 86_400_000;
/** Gladly documents that events arrive up to 15 seconds behind real time. */
export const EVENT_LAG_MS = 15_000;

/** A point in time: a Date, or ISO 8601 text. */
type Time = Date | string;

function toMs(value: Time, name: string): number {
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  if (Number.isNaN(ms)) throw new GladlyInputError(name, `${JSON.stringify(String(value))} is not a date or an ISO 8601 time`);
  return ms;
}

function checkEntities(entities: readonly string[]): void {
  if (!Array.isArray(entities) || entities.length === 0) throw new GladlyInputError("entities", `name at least one of ${EVENT_ENTITIES.join(", ")}`);
  const unknown = entities.filter((e) => !(EVENT_ENTITIES as readonly string[]).includes(e));
  if (unknown.length)
    throw new GladlyInputError(
      "entities",
      `${unknown.join(", ")} ${unknown.length > 1 ? "are not entities" : "is not an entity"}; use ${EVENT_ENTITIES.join(", ")}`,
    );
}

/** What `events.iterate` reads: which entities, over which time range. */
export interface IterateEventsOptions<E extends EventEntity> extends Pick<CallOptions, "signal" | "priority" | "timeout"> {
  /** The entities whose events to read. */
  entities: readonly E[];
  /** Within the last 24 hours (Gladly keeps no more). */
  startAt: Time;
  /** Default: now. */
  endAt?: Time;
  /** Each request covers at most this much time (default 1 hour); windows are walked in order. */
  windowMs?: number;
  /** Longest events line accepted, in bytes (default 64 MiB); a longer one throws GladlyStreamError. */
  maxLineBytes?: number;
}

/** A live follow of the events; `cursor` resumes it in another process. */
export type EventTail<E extends EventEntity> = AsyncGenerator<EventOf<E>> & { readonly cursor: string };

/** What `events.tail` follows, from where, and how often it polls. */
export interface TailEventsOptions<E extends EventEntity> extends Pick<CallOptions, "signal" | "priority" | "timeout"> {
  /** The entities whose events to follow. */
  entities: readonly E[];
  /** Where to start when there is no cursor (default: now). */
  since?: Time;
  /** A cursor from a previous tail, to continue where it stopped: no gap, no repeat. */
  cursor?: string;
  /** Pause between polls (default 5 s). */
  intervalMs?: number;
  /** How far behind real time to stay (default 15 s, Gladly's documented delay). */
  lagMs?: number;
  /** Called after each poll with a cursor that resumes right after everything yielded so far. */
  onCursor?: (cursor: string) => void;
  /** Longest events line accepted, in bytes (default 64 MiB); a longer one throws GladlyStreamError. */
  maxLineBytes?: number;
}

interface Cursor {
  v: 1;
  /** Next window's start (inclusive), ms since the epoch. */
  from: number;
  /** Ids already yielded whose timestamp is at or after `from`. */
  seen: string[];
}

function encodeCursor(cursor: Cursor): string {
  return JSON.stringify(cursor);
}

function decodeCursor(text: string): Cursor {
  try {
    const cursor = JSON.parse(text) as Partial<Cursor>;
    if (cursor.v === 1 && typeof cursor.from === "number" && Array.isArray(cursor.seen)) return cursor as Cursor;
  } catch {
    // fall through to the error below
  }
  throw new GladlyInputError("cursor", "is not a cursor from events.tail");
}

/** Only what a request takes: the helpers' own options (windowMs, onCursor, …) stay out of it. */
function pickCallOptions(options: Pick<CallOptions, "signal" | "priority" | "timeout">): Pick<CallOptions, "signal" | "priority" | "timeout"> {
  return {
    ...(options.signal && { signal: options.signal }),
    ...(options.priority !== undefined && { priority: options.priority }),
    ...(options.timeout !== undefined && { timeout: options.timeout }),
  };
}

/** The helpers the client adds to `events`: `iterate` (a time range) and `tail` (live). */
export function createEventHelpers(ctx: OperationContext) {
  function window<E extends EventEntity>(
    entities: readonly E[],
    from: number,
    to: number,
    { maxLineBytes, ...options }: Pick<CallOptions, "signal" | "priority" | "timeout"> & { maxLineBytes?: number },
  ): AsyncGenerator<EventOf<E>> {
    const open = () =>
      openStream(
        ctx,
        "getEvents",
        { entities: [...entities], startAt: new Date(from).toISOString(), endAt: new Date(to).toISOString() },
        pickCallOptions(options),
      );
    return jsonLines<EventOf<E>>(open, "GET", maxLineBytes === undefined ? {} : { maxLineBytes });
  }

  /**
   * Every event of the entities between `startAt` and `endAt`, in order, parsed as the JSON Lines
   * arrive (constant memory). The range is walked in windows, each its own request through the
   * rate limiter; an event on a window's edge is yielded once.
   */
  async function* iterate<E extends EventEntity>(options: IterateEventsOptions<E>): AsyncGenerator<EventOf<E>> {
    checkEntities(options.entities);
    checkMaxLineBytes(options.maxLineBytes);
    const now = Date.now();
    const start = toMs(options.startAt, "startAt");
    const end = options.endAt === undefined ? now : toMs(options.endAt, "endAt");
    if (start < now - DAY_MS)
      throw new GladlyInputError("startAt", `${new Date(start).toISOString()} is more than 24 hours ago; Gladly keeps events for 24 hours`);
    if (end < start) throw new GladlyInputError("endAt", "is before startAt");
    const step = options.windowMs ?? 3_600_000;
    if (!(step > 0)) throw new GladlyInputError("windowMs", "must be a positive number of milliseconds");
    let edge = new Set<string>();
    for (let from = start; from <= end; from += step) {
      const to = Math.min(end, from + step);
      const next = new Set<string>();
      for await (const event of window(options.entities, from, to, options)) {
        const id = (event as { id: string }).id;
        if (edge.has(id)) continue;
        if (Date.parse((event as { timestamp: string }).timestamp) >= to) next.add(id);
        yield event;
      }
      edge = next;
      if (to === end) break;
    }
  }

  /**
   * Follows the events live: polls behind Gladly's delay and yields each event once. `cursor`
   * (JSON text, current after every event) lets a restarted process go on without gap or repeat.
   * Ends when `signal` aborts.
   */
  function tail<E extends EventEntity>(options: TailEventsOptions<E>): EventTail<E> {
    checkEntities(options.entities);
    checkMaxLineBytes(options.maxLineBytes);
    const lag = options.lagMs ?? EVENT_LAG_MS;
    const interval = options.intervalMs ?? 5000;
    const start = options.cursor
      ? decodeCursor(options.cursor)
      : { v: 1 as const, from: options.since === undefined ? Date.now() - lag : toMs(options.since, "since"), seen: [] };
    if (start.from < Date.now() - DAY_MS)
      throw new GladlyInputError(options.cursor ? "cursor" : "since", "is more than 24 hours ago; Gladly keeps events for 24 hours");
    // `from` is where the next request starts; `seen`, the ids already yielded at or after it.
    const state = { from: start.from, seen: new Set(start.seen) };
    const signal = options.signal;
    async function* run(): AsyncGenerator<EventOf<E>> {
      while (!signal?.aborted) {
        const to = Date.now() - lag;
        if (to > state.from) {
          // Staying `lag` behind real time, everything up to `to` has arrived: the next window
          // starts there, and only the ids yielded at exactly `to` need remembering.
          const atEdge = new Set<string>();
          try {
            for await (const event of window(options.entities, state.from, to, options)) {
              const id = (event as { id: string }).id;
              if (state.seen.has(id)) continue;
              state.seen.add(id);
              if (Date.parse((event as { timestamp: string }).timestamp) >= to) atEdge.add(id);
              yield event;
            }
          } catch (error) {
            if (signal?.aborted) return;
            throw error;
          }
          state.from = to;
          state.seen = atEdge;
          options.onCursor?.(cursorText());
        }
        // An abort ends the wait; the loop condition then ends the tail.
        await sleep(interval, signal).catch(() => undefined);
      }
    }
    const cursorText = () => encodeCursor({ v: 1, from: state.from, seen: [...state.seen] });
    return Object.defineProperty(run(), "cursor", { get: cursorText, enumerable: true }) as EventTail<E>;
  }

  return { iterate, tail };
}
