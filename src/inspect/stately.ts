import type { AnyActorRef, InspectionEvent, Observer } from "xstate";
import { internal } from "../kernel/protocol.js";

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
 * import { createBrowserInspector } from "@statelyai/inspect";
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
 * import { createBrowserInspector } from "@statelyai/inspect";
 * const { inspect }: StatelyInspector = statelyInspector({ inspector: createBrowserInspector() });
 * approval.run({ topic: "tea" }, { inspect });
 * ```
 */
export interface StatelyInspector {
  readonly inspect: Observer<InspectionEvent>;
}

type Ev = { type: string; [key: string]: unknown };

/**
 * Whether `ref` runs a workflow machine of the compact shape, known by its `running` state taking
 * the step messages (`stepchart.done`) that the statechart shape never receives.
 *
 * The bridge below is for that shape only. The compact machine routes the events a step returns
 * or sends inside its transitions and raises the start event, so a plain inspector sees only
 * `stepchart.done` / `stepchart.send` / `stepchart.sendMany` / `stepchart.wait`; the bridge shows
 * the workflow events they carry. The statechart shape (the default) sends every workflow event
 * as a machine event of its own type, relayed from the step's actor: the inspector already gets
 * each one, with its source, and a bridge there would show each one twice.
 */
function isCompactWorkflow(ref: unknown): boolean {
  const logic = (ref as { logic?: object } | undefined)?.logic;
  if (!logic) return false;
  let known = compactLogic.get(logic);
  if (known === undefined) {
    const config = (logic as { config?: { states?: { running?: { on?: Record<string, unknown> } } } }).config;
    known = config?.states?.running?.on?.[internal.done] !== undefined;
    compactLogic.set(logic, known);
  }
  return known;
}
const compactLogic = new WeakMap<object, boolean>();

/** The workflow events inside one of the compact machine's step messages (see kernel/protocol.ts). */
function workflowEventsIn(message: Ev): Ev[] {
  switch (message.type) {
    case internal.done:
      return message.output ? [message.output as Ev] : [];
    case internal.send:
      return [message.event as Ev];
    case internal.sendMany:
      return (message.sends as { event: Ev }[]).map((s) => s.event);
    case internal.wait:
      return message.prompt ? [message.prompt as Ev] : [];
    default:
      return [];
  }
}

/**
 * Connects runs to the Stately inspector through `@statelyai/inspect`, so that you watch a run's
 * actors (the workflow, its run clock and one promise actor per step invocation), its events and
 * its state as it goes:
 *
 * - The machine is the statechart: the inspector draws `running` as a parallel state with a region
 *   per step and a `human` region, and its snapshots show each region move. Every workflow event
 *   is a machine event in the sequence view, from the step actor that produced it (the start
 *   event and answers from outside have no source). A plain `inspector.inspect` shows the same;
 *   for the compact shape (`shape: "compact"`), which routes them inside the machine, they are
 *   bridged here as events from the step actor whose message carried them.
 * - Large machine context and event payloads are summarised (long strings, long arrays, deep
 *   objects), so a run with big documents in its events stays readable and cheap to send.
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
        switch (event.type) {
          case "@xstate.snapshot":
            forward({
              ...event,
              event: summarise(event.event) as Ev,
              snapshot: summarisedSnapshot(event.snapshot) as never,
            });
            return;
          case "@xstate.actor": {
            // The converter reads the snapshot from the ref: hand it one that summarises.
            const ref = event.actorRef;
            const view = Object.create(ref, { getSnapshot: { value: () => summarisedSnapshot(ref.getSnapshot()) } });
            forward({ ...event, actorRef: view as AnyActorRef });
            return;
          }
          case "@xstate.event":
            forward({ ...event, event: summarise(event.event) as Ev });
            if (!isCompactWorkflow(event.actorRef)) return;
            for (const bridged of workflowEventsIn(event.event as Ev)) {
              forward({ ...event, event: summarise(bridged) as Ev });
            }
            return;
          case "@xstate.microstep":
            forward(event);
            // The compact machine raises its start event: no `@xstate.event` shows it.
            if ((event.event as Ev).type === "StartEvent" && isCompactWorkflow(event.actorRef)) {
              forward({
                type: "@xstate.event",
                event: summarise(event.event) as Ev,
                sourceRef: undefined,
                actorRef: event.actorRef,
                rootId: event.rootId,
              });
            }
            return;
          default:
            forward(event);
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
