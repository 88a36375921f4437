import { type AnyMachineSnapshot, type AnyStateMachine, initialTransition, transition } from "xstate";
import { compileMachine } from "../compiler/machine.js";
import { type RunRegions, runRegions } from "../compiler/regions.js";
import type { WorkflowDefinition } from "../definition/types.js";
import { trust } from "../events/define-event.js";
import type { AnyEvent } from "../events/types.js";
import { bindInput } from "../execution/bindings.js";
import type { RunContext } from "../kernel/context.js";
import { type Fifo, toArray } from "../kernel/fifo.js";
import { seal, sealWithOrigin } from "../kernel/protocol.js";

/** A state of the runtime machine as the model tells states apart: what is in flight, queued and asked. */
export interface RuntimeState {
  /** `draft(StartEvent)`, `visit(Visit, Visit) + human`, `completed`: unique, and a valid XState state key. */
  readonly name: string;
  /** The runtime machine's value in this state. */
  readonly value: AnyMachineSnapshot["value"];
  /** Each invocation in flight as `step(AcceptedType)`, in step order. */
  readonly inflight: readonly string[];
  readonly pending: number;
  readonly queued: number;
  /** The run ended, or only a person can move it on: a path of the model may end here. */
  readonly rests: boolean;
}

/** A transition of the runtime machine the model takes: a step returning an event, or a person's answer. */
export interface RuntimeEdge {
  readonly from: string;
  readonly to: string;
  /** `<step>/<EmittedType>`, or `human/HumanResponseEvent`. */
  readonly name: string;
  /** The model machine's event type: `name`, or `<step>(<Accepted>)/<Emitted>` when the step has invocations on several types in flight. */
  readonly event: string;
  readonly step: string;
  /** The type the returning invocation started on (`null` for a person's answer). */
  readonly accepted: string | null;
  readonly emits: string;
  /** The region transitions the runtime machine took, `<region>: <from> → <to> on <EventType>`. */
  readonly transitions: readonly string[];
}

/** What the runtime machine can do from its start, one step return or answer at a time. */
export interface RuntimeGraph {
  readonly initial: string;
  readonly states: ReadonlyMap<string, RuntimeState>;
  readonly edges: readonly RuntimeEdge[];
  /** The region transitions the run's start event takes, before the model's first state. */
  readonly start: readonly string[];
  readonly regions: RunRegions;
}

/** States beyond these are kept, but not explored further (a fan-out that feeds itself never ends). */
const MAX_STATES = 2_000;
const MAX_BUSY = 8;

const graphs = new WeakMap<WorkflowDefinition, RuntimeGraph>();

/** A person's answer as the model sends it (validated already: its fields do not route it). */
const answer = () => trust({ type: "HumanResponseEvent", response: "" });

/**
 * Explores the machine a definition compiles to (the statechart shape) with XState's pure
 * `transition()`: nothing runs, no step body, no actor. From the state after the run's start
 * event, each invocation in flight may return any event its step emits (a machine event of that
 * type from that invocation, as the step's promise actor would send it), and a pending prompt may
 * be answered. States are told apart by what is in flight, queued and asked (`RuntimeState`);
 * one of two invocations alike (same step, same event type) stands for both.
 */
export function exploreRuntime(def: WorkflowDefinition): RuntimeGraph {
  const known = graphs.get(def);
  if (known) return known;
  const machine = compileMachine(def, { shape: "statechart" }).machine;
  const regions = runRegions(def);
  const emits = new Map(def.steps.map((s) => [s.name, s.emits.map((d) => d.type)]));
  const order = new Map(def.steps.map((s, i) => [s.name, i]));
  const states = new Map<string, RuntimeState>();
  const edges: RuntimeEdge[] = [];
  const [first, start] = started(machine);
  const initial = stateOf(first, regions, order);
  states.set(initial.name, initial);
  const queue: [RuntimeState, AnyMachineSnapshot][] = [[initial, first]];
  for (let next = queue.shift(); next; next = queue.shift()) {
    const [from, snapshot] = next;
    if (snapshot.status !== "active" || from.inflight.length + from.queued + from.pending > MAX_BUSY) continue;
    for (const { event, step, accepted, emitted } of eventsOf(snapshot, emits, order)) {
      const [after] = transition(machine, snapshot, event);
      if (after.context === snapshot.context) continue; // refused or ignored: nothing happened
      const to = stateOf(after, regions, order);
      if (!states.has(to.name) && states.size < MAX_STATES) {
        states.set(to.name, to);
        queue.push([to, after]);
      }
      if (!states.has(to.name)) continue;
      const name = `${step}/${emitted}`;
      const several = accepted !== null && new Set(from.inflight.filter((i) => i.startsWith(`${step}(`))).size > 1;
      edges.push({
        from: from.name,
        to: to.name,
        name,
        event: several ? `${step}(${accepted})/${emitted}` : name,
        step,
        accepted,
        emits: emitted,
        transitions: regionTransitions(snapshot.value, after.value, emitted),
      });
    }
  }
  const graph = { initial: initial.name, states, edges, start, regions };
  graphs.set(def, graph);
  return graph;
}

/**
 * The machine just after its start event (the runtime sends it on entry; a pure transition does
 * not), and the region transitions it took.
 */
function started(machine: AnyStateMachine): [AnyMachineSnapshot, string[]] {
  const input = {};
  bindInput(input, { start: trust({ type: "StartEvent" }) });
  const [initial] = initialTransition(machine, input);
  const [first] = transition(machine, initial, seal(trust({ type: "StartEvent" })));
  return [first, regionTransitions(initial.value, first.value, "StartEvent")];
}

/** The events the model may send in a state: each invocation (one of each alike) returns what its step emits; a person answers. */
function* eventsOf(snapshot: AnyMachineSnapshot, emits: Map<string, string[]>, order: Map<string, number>) {
  const context = snapshot.context as RunContext;
  const seen = new Set<string>();
  const inflight = [...context.inflight].sort((a, b) => (order.get(a.step) ?? 0) - (order.get(b.step) ?? 0));
  for (const inv of inflight) {
    const key = `${inv.step}(${inv.event.type})`;
    if (seen.has(key)) continue;
    seen.add(key);
    for (const emitted of emits.get(inv.step) ?? []) {
      const event = sealWithOrigin(trust({ type: emitted }), { kind: "return", id: inv.id }) as AnyEvent;
      yield { event, step: inv.step, accepted: inv.event.type as string | null, emitted };
    }
  }
  if (context.pending.length > 0)
    yield { event: answer() as AnyEvent, step: "human", accepted: null, emitted: "HumanResponseEvent" };
}

/** What tells a state apart, and its name. */
function stateOf(snapshot: AnyMachineSnapshot, regions: RunRegions, order: Map<string, number>): RuntimeState {
  const rank = (step: string) => order.get(step) ?? 0;
  if (typeof snapshot.value === "string")
    return { name: snapshot.value, value: snapshot.value, inflight: [], pending: 0, queued: 0, rests: true };
  const context = snapshot.context as RunContext;
  const inflight = context.inflight
    .map((inv) => ({ step: inv.step, type: inv.event.type }))
    .sort((a, b) => rank(a.step) - rank(b.step) || a.type.localeCompare(b.type))
    .map(({ step, type }) => `${step}(${type})`);
  const parts = [...grouped(inflight)];
  let queued = 0;
  for (const step of [...Object.keys(context.slots)].sort((a, b) => rank(a) - rank(b))) {
    const queue = toArray((context.slots[step] as { queue: Fifo<{ event: AnyEvent }> }).queue);
    queued += queue.length;
    if (queue.length > 0) parts.push(`${step} queued ${queue.map((q) => q.event.type).join(", ")}`);
  }
  const pending = context.pending.length;
  const human = regions.human?.key ?? "human";
  if (pending > 0) parts.push(pending > 1 ? `${human} ×${pending}` : human);
  // XState reads a `.` in a state key as a path: event types may have one (`order.created`).
  const name = (parts.join(" + ") || "idle").replaceAll(".", "·");
  return { name, value: snapshot.value, inflight, pending, queued, rests: inflight.length === 0 && queued === 0 };
}

/** `a(X)`, `a(X)`, `b(Y)` → `a(X, X)`, `b(Y)`. */
function* grouped(inflight: readonly string[]) {
  const byStep = new Map<string, string[]>();
  for (const entry of inflight) {
    const at = entry.indexOf("(");
    const step = entry.slice(0, at);
    byStep.set(step, [...(byStep.get(step) ?? []), entry.slice(at + 1, -1)]);
  }
  for (const [step, types] of byStep) yield `${step}(${types.join(", ")})`;
}

/**
 * The region transitions between two values of the runtime machine on an event of `type`:
 * `draft: idle → running on StartEvent`, or `running → completed on StopEvent` when the run ended.
 */
export function regionTransitions(before: unknown, after: unknown, type: string): string[] {
  const regionsOf = (value: unknown) => (value as { running?: Record<string, string> }).running ?? {};
  if (typeof after === "string") return typeof before === "string" ? [] : [`running → ${after} on ${type}`];
  if (typeof before === "string") return [];
  const from = regionsOf(before);
  const to = regionsOf(after);
  return Object.keys(to)
    .filter((region) => from[region] !== to[region])
    .map((region) => `${region}: ${from[region]} → ${to[region]} on ${type}`);
}
