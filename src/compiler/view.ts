import { type AnyStateMachine, setup } from "xstate";
import type { WorkflowDefinition } from "../definition/types.js";
import { WorkflowError } from "../errors.js";
import { compileMachine } from "./machine.js";

/** A transition of the drawing: where it goes, and the runtime guard that decides it, by name. */
export interface ViewTransition {
  readonly target: string | readonly string[];
  readonly guard?: string;
}

/** A state node of the drawing's config (plain JSON). */
export interface ViewStateConfig {
  readonly type?: "parallel" | "final" | "history";
  readonly initial?: string;
  readonly description?: string;
  readonly on?: Readonly<Record<string, ViewTransition | readonly ViewTransition[]>>;
  readonly states?: Readonly<Record<string, ViewStateConfig>>;
}

/** The drawing's config: plain JSON, importable into Stately's editor. */
export interface ViewStatechartConfig extends ViewStateConfig {
  readonly id: string;
}

// A machine config as XState keeps it: functions for guards, targets as strings or lists.
type ConfigNode = {
  readonly id?: string;
  readonly type?: ViewStateConfig["type"];
  readonly initial?: unknown;
  readonly description?: unknown;
  readonly on?: Readonly<Record<string, unknown>>;
  readonly states?: Readonly<Record<string, ConfigNode>>;
};
type ConfigTransition = { readonly target?: unknown; readonly guard?: unknown };

/** A guard as the drawing names it: the compiler names every guard it writes (see `named`). */
function guardName(guard: unknown): string | undefined {
  if (guard === undefined) return undefined;
  if (typeof guard === "string") return guard;
  if (typeof guard === "function") return guard.name || "guard";
  const type = (guard as { type?: unknown }).type;
  return typeof type === "string" ? type : "guard";
}

/**
 * The transitions of one event that move the machine to another state, as the drawing shows
 * them. Targetless ones (a step's ctx op, a rejected event: bookkeeping inside the state) are left
 * out, as are actions: the drawing is of states and what moves between them.
 */
function drawnTransitions(value: unknown): ViewTransition[] {
  const list = (Array.isArray(value) ? value : [value]) as (ConfigTransition | string)[];
  const drawn: ViewTransition[] = [];
  for (const t of list) {
    const target = typeof t === "string" ? t : t.target;
    if (target === undefined || target === null || (Array.isArray(target) && target.length === 0)) continue;
    const guard = typeof t === "string" ? undefined : guardName(t.guard);
    const targets = Array.isArray(target) ? target.map(String) : [String(target)];
    drawn.push({ target: targets.length === 1 ? (targets[0] as string) : targets, ...(guard ? { guard } : {}) });
  }
  return drawn;
}

function drawnNode(node: ConfigNode): ViewStateConfig {
  const on: Record<string, ViewTransition | ViewTransition[]> = {};
  for (const [type, value] of Object.entries(node.on ?? {})) {
    const drawn = drawnTransitions(value);
    if (drawn.length > 0) on[type] = drawn.length === 1 ? (drawn[0] as ViewTransition) : drawn;
  }
  const states = Object.entries(node.states ?? {}).map(([key, child]) => [key, drawnNode(child)] as const);
  return {
    ...(node.type ? { type: node.type } : {}),
    ...(typeof node.initial === "string" ? { initial: node.initial } : {}),
    ...(typeof node.description === "string" ? { description: node.description } : {}),
    ...(Object.keys(on).length > 0 ? { on } : {}),
    ...(states.length > 0 ? { states: Object.fromEntries(states) } : {}),
  };
}

/**
 * The drawing of a machine config: its states (ids, initial states, parallel and final states,
 * descriptions) and every transition that leads somewhere, with its guard by name. Read off the
 * config, not rebuilt beside it, so the drawing is the machine's own structure.
 */
export function drawnStatechart(config: ConfigNode): ViewStatechartConfig {
  return { id: String(config.id ?? "machine"), ...drawnNode(config) };
}

/**
 * The drawing of the runtime machine a definition compiles to in the statechart shape (the
 * default): the `running` state's step regions and `human` region with the transitions the
 * machine itself has (event types from `runRegions`, guarded on the event's plan), and the
 * transitions that end the run. A workflow of the compact shape is drawn as the statechart shape
 * would run it: its compact machine has a single `running` state.
 */
export function viewStatechartConfig(def: WorkflowDefinition): ViewStatechartConfig {
  return drawnStatechart(compileMachine(def, { shape: "statechart" }).machine.config as ConfigNode);
}

/**
 * The drawing as a machine (`toStatechart()`): its config is {@link viewStatechartConfig}. Its
 * guards decide on a plan of the run's context, which a drawing has not: each one says so when an
 * actor of the drawing is sent an event. To run the workflow, use `toMachine()`.
 */
export function statechartDrawing(def: WorkflowDefinition): AnyStateMachine {
  const config = viewStatechartConfig(def);
  const refuse = (name: string) => () => {
    throw new WorkflowError(
      "WORKFLOW_STATE",
      `toStatechart() is a drawing of "${def.name}": its guard "${name}" needs a run's context; run the workflow with toMachine()`,
    );
  };
  const guards = Object.fromEntries(guardsOf(config).map((name) => [name, refuse(name)]));
  // biome-ignore lint/suspicious/noExplicitAny: the config's names are computed, not literal types
  return setup({ guards } as any).createMachine(config as any);
}

/** The names of the guards a drawing's transitions carry, each once. */
export function guardsOf(node: ViewStateConfig): string[] {
  const names = new Set<string>();
  const visit = (n: ViewStateConfig) => {
    for (const value of Object.values(n.on ?? {}))
      for (const t of Array.isArray(value) ? value : [value]) if (t.guard) names.add(t.guard);
    for (const child of Object.values(n.states ?? {})) visit(child);
  };
  visit(node);
  return [...names];
}
