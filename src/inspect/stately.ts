import type { AnyActorRef, InspectionEvent, Observer } from "xstate";

/**
 * What {@link statelyInspector} needs of an inspector from `@statelyai/inspect`
 * (`createBrowserInspector()`, `createWebSocketInspector({ url })`, `createInspector(adapter)`).
 *
 * @example
 * ```ts
 * import { createWebSocketInspector } from "@statelyai/inspect";
 * const inspector: StatelyInspectorLike = createWebSocketInspector({ url: "ws://localhost:8080" });
 * ```
 */
export interface StatelyInspectorLike {
  readonly inspect: Observer<InspectionEvent>;
}

/**
 * Options of {@link statelyInspector}.
 *
 * @example
 * ```ts
 * const options: StatelyInspectorOptions = { inspector: createBrowserInspector(), maxStringLength: 200 };
 * ```
 */
export interface StatelyInspectorOptions {
  /** The `@statelyai/inspect` inspector to send to (browser, WebSocket, or your own adapter). */
  readonly inspector: StatelyInspectorLike;
  /** Strings in machine context and events longer than this are cut, with their length noted. @default 500 */
  readonly maxStringLength?: number;
  /** Arrays in machine context and events longer than this keep their first items and a count. @default 20 */
  readonly maxArrayLength?: number;
  /** Objects in machine context and events deeper than this are summarised as `{…}`. @default 6 */
  readonly maxDepth?: number;
}

/**
 * The inspection observer {@link statelyInspector} returns: pass `inspect` as a run's (or an
 * actor's) `inspect` option.
 *
 * @example
 * ```ts
 * const { inspect }: StatelyInspector = statelyInspector({ inspector });
 * approval.run({ topic: "tea" }, { inspect });
 * ```
 */
export interface StatelyInspector {
  readonly inspect: Observer<InspectionEvent>;
}

type Ev = { type: string; [key: string]: unknown };

/** The workflow events inside one of the runtime's step → machine messages (see compiler/protocol.ts). */
function workflowEventsIn(message: Ev): Ev[] {
  switch (message.type) {
    case "stepchart.done":
      return message.output ? [message.output as Ev] : [];
    case "stepchart.send":
      return [message.event as Ev];
    case "stepchart.sendMany":
      return (message.sends as { event: Ev }[]).map((s) => s.event);
    case "stepchart.wait":
      return message.prompt ? [message.prompt as Ev] : [];
    default:
      return [];
  }
}

/**
 * Connects runs to the Stately inspector through `@statelyai/inspect`, so that you watch a run's
 * actors (the workflow and one actor per step invocation), its events and its state as it goes:
 *
 * - Workflow events appear in the sequence view. The runtime routes the events steps return or
 *   send inside the workflow machine (no separate machine event), and the start event is raised
 *   inside it, which the Stately inspector does not show; they are bridged here as events from
 *   the step actor that produced them (the start event and answers from outside have no source).
 * - Large machine context and event payloads are summarised (long strings, long arrays, deep
 *   objects), so a run with big documents in its events stays readable and cheap to send.
 *
 * Runs with an inspector host each step invocation as its own actor (`stepActors: "auto"`).
 *
 * @example
 * ```ts
 * import { createBrowserInspector } from "@statelyai/inspect"; // in a browser app
 * import { createWebSocketInspector } from "@statelyai/inspect"; // in Node, with a local inspector server
 * import { statelyInspector } from "stepchart/inspect";
 *
 * const { inspect } = statelyInspector({ inspector: createWebSocketInspector({ url: "ws://localhost:8080" }) });
 * await approval.run({ topic: "tea" }, { inspect });
 * ```
 */
export function statelyInspector(options: StatelyInspectorOptions): StatelyInspector {
  const target = options.inspector.inspect;
  const summarise = summariser(options);
  const summarisedSnapshot = (snapshot: unknown) => {
    const s = snapshot as { status?: unknown; value?: unknown; context?: unknown; output?: unknown; error?: unknown };
    if (!s || typeof s !== "object" || !("context" in s)) return snapshot;
    return { status: s.status, value: s.value, context: summarise(s.context), output: s.output, error: s.error };
  };
  const forward = (event: InspectionEvent) => target.next?.(event);
  return {
    inspect: {
      next(event) {
        if (event.type === "@xstate.snapshot") {
          forward({
            ...event,
            event: summarise(event.event) as Ev,
            snapshot: summarisedSnapshot(event.snapshot) as never,
          });
          return;
        }
        if (event.type === "@xstate.actor") {
          // The converter reads the snapshot from the ref: hand it one that summarises.
          const ref = event.actorRef;
          const view = Object.create(ref, { getSnapshot: { value: () => summarisedSnapshot(ref.getSnapshot()) } });
          forward({ ...event, actorRef: view as AnyActorRef });
          return;
        }
        if (event.type !== "@xstate.event" && event.type !== "@xstate.microstep") {
          forward(event);
          return;
        }
        if (event.type === "@xstate.event") {
          forward({ ...event, event: summarise(event.event) as Ev });
          for (const bridged of workflowEventsIn(event.event as Ev)) {
            forward({ ...event, event: summarise(bridged) as Ev });
          }
          return;
        }
        forward(event);
        if ((event.event as Ev).type === "StartEvent") {
          forward({
            type: "@xstate.event",
            event: summarise(event.event) as Ev,
            sourceRef: undefined,
            actorRef: event.actorRef,
            rootId: event.rootId,
          });
        }
      },
      error: (error) => target.error?.(error),
      complete: () => target.complete?.(),
    },
  };
}

/** Cuts long strings and arrays and deep objects; leaves everything else as it is. */
function summariser(options: StatelyInspectorOptions): (value: unknown) => unknown {
  const maxString = options.maxStringLength ?? 500;
  const maxArray = options.maxArrayLength ?? 20;
  const maxDepth = options.maxDepth ?? 6;
  const visit = (value: unknown, depth: number): unknown => {
    if (typeof value === "string")
      return value.length > maxString ? `${value.slice(0, maxString)}… (${value.length} chars)` : value;
    if (value === null || typeof value !== "object") return value;
    if (value instanceof Error) {
      const { code } = value as { code?: unknown };
      return { name: value.name, message: visit(value.message, depth + 1), ...(code === undefined ? {} : { code }) };
    }
    const json = (value as { toJSON?: unknown }).toJSON;
    if (typeof json === "function") return visit(json.call(value), depth);
    if (depth >= maxDepth) return Array.isArray(value) ? `[… ${value.length} items]` : "{…}";
    if (Array.isArray(value)) {
      const head = value.slice(0, maxArray).map((v) => visit(v, depth + 1));
      return value.length > maxArray ? [...head, `… ${value.length - maxArray} more`] : head;
    }
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = visit(v, depth + 1);
    return out;
  };
  return (value) => visit(value, 0);
}
