import type { ValidationIssue } from "../errors.js";
import type { AnyEvent } from "../events/types.js";
import { now } from "../internal/timer.js";
import type { Clock, Invocation, RunContext } from "./context.js";
import { Draft, FROM_OUTSIDE, type Topology } from "./draft.js";
import { accept, toJsonSafe } from "./incoming.js";
import { type FromStepMsg, isSealed, messageOf, originOf } from "./protocol.js";
import { hold, isStalled, routeEvent } from "./scheduler.js";
import { applyStepMessage, routeInline } from "./step-messages.js";
import type { WaiterMatch } from "./waiters.js";

/** What planning needs to know of the workflow (one compile). */
export interface PlanScope {
  readonly topology: Topology & Parameters<typeof accept>[1];
  /** Event types the run takes from outside. */
  readonly external: ReadonlySet<string>;
  /** Event types a step may wait for (held when they come before the waiter). */
  readonly awaited: ReadonlySet<string>;
  /** The run timer stops while a person is asked (`timeout.whileWaiting: false`). */
  readonly pauseWhileWaiting: boolean;
}

/**
 * What one machine event does to a run, computed before the machine takes a transition for it:
 * the changed context and effects (a {@link Draft}), the StopEvent that ends the run, whether to
 * check for a stall, or why the event is refused. The statechart shape's guards read the region
 * changes off it, and exactly one action applies it.
 */
export type Plan =
  | {
      readonly kind: "apply";
      readonly draft: Draft;
      /** The run completes with this StopEvent. */
      readonly stop?: AnyEvent;
      /** Nothing may run any more after this event: check for a stall. */
      readonly check: boolean;
      /** The run timer's new state, when this event pauses or resumes it. */
      readonly clock?: Clock;
    }
  | { readonly kind: "reject"; readonly event: unknown; readonly issues: readonly ValidationIssue[] }
  /** A message of an invocation that has already ended: nothing happens. */
  | { readonly kind: "ignore" };

/**
 * Plans a message a step sent (sealed) or its end: the event it returned is routed in the same
 * plan, a StopEvent becomes the plan's `stop`. A message of an invocation that ended is ignored.
 */
export function planStepMessage(
  context: RunContext,
  msg: FromStepMsg,
  scope: PlanScope,
  matches: WaiterMatch,
  tracing = true,
): Plan {
  const inv = findInvocation(context, msg.id);
  if (!inv) return { kind: "ignore" };
  const d = new Draft(context, tracing);
  const routed = applyStepMessage(d, msg, inv, scope.topology, matches);
  if (routed?.type === "StopEvent") return finish(d, scope, false, routed);
  if (routed) routeInline(d, routed, scope.topology, matches, msg.id);
  const check = !routed || scope.topology.acceptors(routed.type).length === 0;
  return finish(d, scope, check && isStalled({ ...context, ...d.patch() }));
}

/**
 * Plans a workflow event: one a step produced (sealed with its origin), the run's own StartEvent
 * (sealed), or one from outside, which must be of a type the run takes from outside and valid.
 * `tracing`: whether to build the run's trace items (someone observes the `all` view).
 */
export function planEvent(
  context: RunContext,
  event: AnyEvent,
  scope: PlanScope,
  matches: WaiterMatch,
  tracing = true,
): Plan {
  const origin = originOf(event);
  if (origin) return planStepMessage(context, messageOf(event, origin), scope, matches, tracing);
  const own = isSealed(event);
  const checked: ReturnType<typeof accept> =
    own || scope.external.has(event.type)
      ? accept(event, scope.topology)
      : { issues: [{ path: "type", message: `this workflow does not take "${event.type}" from outside` }] };
  if ("issues" in checked) return { kind: "reject", event: toJsonSafe(event), issues: checked.issues };
  const d = new Draft(context, tracing);
  // The object context holds for the start event: a trace keeps it for the run's life.
  const traced = own && event.type === "StartEvent" ? context.start : checked.event;
  if (tracing) d.effects.push({ kind: "trace", event: traced, from: FROM_OUTSIDE });
  const taken = routeEvent(d, checked.event, scope.topology, matches);
  // Sent before the step that waits for it got there: held for that waiter, never dropped.
  if (!taken && scope.awaited.has(checked.event.type)) hold(d, checked.event);
  const check = checked.event.type === "HumanResponseEvent" && isStalled({ ...context, ...d.patch() });
  return finish(d, scope, check);
}

/** A forged `stepchart.*` message: refused, visible as an EventRejectedEvent. */
export function forgedPlan(event: { type: string }): Plan {
  return {
    kind: "reject",
    event: toJsonSafe(event),
    issues: [
      {
        path: "type",
        message: `"${event.type}" is a message of the stepchart runtime; it cannot be sent from outside`,
      },
    ],
  };
}

/** Whether step region `step` is `running` once the plan is applied (an invocation in flight). */
export function runsAfter(context: RunContext, plan: Plan, step: string): boolean {
  const slots = plan.kind === "apply" ? plan.draft.current("slots") : context.slots;
  return slots[step] !== undefined;
}

/** Whether the `human` region is `waiting` once the plan is applied (a prompt pending). */
export function waitsAfter(context: RunContext, plan: Plan): boolean {
  return (plan.kind === "apply" ? plan.draft.current("pending") : context.pending).length > 0;
}

function finish(d: Draft, scope: PlanScope, check: boolean, stop?: AnyEvent): Plan {
  const clock = scope.pauseWhileWaiting ? clockAfter(d) : undefined;
  return {
    kind: "apply",
    draft: d,
    check,
    ...(stop ? { stop } : {}),
    ...(clock ? { clock } : {}),
  };
}

/** Time spent waiting for a person does not count: the remaining ms are kept while a prompt is pending. */
function clockAfter(d: Draft): Clock | undefined {
  const before = d.base.pending.length;
  const after = d.current("pending").length;
  const clock = d.base.clock;
  if (before === 0 && after > 0 && clock.deadline !== null)
    return { deadline: null, remaining: Math.max(0, clock.deadline - now()) };
  if (before > 0 && after === 0 && clock.remaining !== null)
    return { deadline: now() + clock.remaining, remaining: null };
  return undefined;
}

function findInvocation(context: RunContext, id: number): Invocation | undefined {
  for (const inv of context.inflight) if (inv.id === id) return inv;
  return undefined;
}
