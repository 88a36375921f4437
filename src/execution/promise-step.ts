import { type AnyActorLogic, type AnyActorRef, fromPromise } from "xstate";
import type { StepDefinition } from "../definition/types.js";
import { StepInterruptedError } from "../errors.js";
import { copyTrusted } from "../events/define-event.js";
import type { AnyEvent } from "../events/types.js";
import { type FromStepMsg, internal, predicateOf, sealWithOrigin, withPredicate } from "../kernel/protocol.js";
import { Invoker, type StepEnvironment } from "./invoker.js";
import type { StepActorInput } from "./step-actor.js";

/**
 * What a workflow actor of the statechart shape holds in this process besides its snapshot: one
 * invoker for all its steps, the promise actor of each invocation (the source of what the
 * invocation sends), and the invocations this process spawned (any other one was restored).
 */
export interface StepRunner {
  readonly invoker: Invoker;
  readonly actors: Map<number, AnyActorRef>;
  readonly spawned: Set<number>;
}

const runners = new WeakMap<AnyActorRef, StepRunner>();

/** The step runner of a workflow actor. */
export function runnerOf(workflow: AnyActorRef, env: StepEnvironment): StepRunner {
  let runner = runners.get(workflow);
  if (!runner) {
    const actors = new Map<number, AnyActorRef>();
    const post = (msg: FromStepMsg) => relay(actors.get(msg.id), workflow, toMachineEvent(msg));
    runner = { invoker: new Invoker(workflow, env, post, false), actors, spawned: new Set() };
    runners.set(workflow, runner);
  }
  return runner;
}

/** The runner of a workflow actor, if one of its steps ran in this process. */
export function existingRunner(workflow: AnyActorRef): StepRunner | undefined {
  return runners.get(workflow);
}

/**
 * The statechart shape's step logic: an XState promise actor per invocation (`src` = the step's
 * name, input = the invocation's number; its event, attempt and journal are in the machine's
 * context). The events it returns or sends reach the machine as machine events of their own type
 * with this actor as their source. A returned event ends the invocation (the machine then stops
 * this actor); with nothing returned, the promise resolves and XState's done event ends it; a
 * failure the retry policy gives up on rejects it. Restored from a snapshot, it runs again from
 * its journal, or fails for an `onRestore: "fail"` step.
 */
export function createPromiseStep(step: StepDefinition, env: StepEnvironment): AnyActorLogic {
  return fromPromise<Settled, StepActorInput>(({ input, self, signal }) => {
    // fromPromise gives no reference to the parent, whose context the step reads and to which it
    // reports; `_parent` is that reference (named in the architecture test).
    const workflow = self._parent as AnyActorRef;
    const runner = runnerOf(workflow, env);
    const id = input.id;
    const restored = !runner.spawned.delete(id);
    runner.actors.set(id, self);
    return new Promise<Settled>((resolve, reject) => {
      signal.addEventListener(
        "abort",
        () => {
          runner.actors.delete(id);
          runner.invoker.stopOne(id);
        },
        { once: true },
      );
      if (restored && step.onRestore === "fail") {
        runner.actors.delete(id);
        return reject(failureOf(id, new StepInterruptedError(step.name)));
      }
      runner.invoker.start(step, id, {
        done: (output) => {
          if (output) relay(self, workflow, sealWithOrigin(copyTrusted(output), { kind: "return", id }));
          runner.actors.delete(id);
          resolve(settledToken(id));
        },
        failed: (error) => {
          runner.actors.delete(id);
          reject(failureOf(id, error));
        },
      });
    });
  });
}

/**
 * What a step's promise settles with: a token for "invocation `id` ended with nothing returned",
 * or the step's own error, registered for its invocation (a thrown value that is no object is
 * boxed). XState's done and error events are plain objects anyone could send to the workflow
 * actor; the machine takes one only when it carries what was registered here for that invocation,
 * and inspectors see the step's error as it was thrown.
 */
export interface Settled {
  readonly invocation: number;
}

const settledBy = new WeakMap<object, Set<number>>();

function register<T extends object>(value: T, id: number): T {
  const ids = settledBy.get(value);
  if (ids) ids.add(id);
  else settledBy.set(value, new Set([id]));
  return value;
}

function settledToken(id: number): Settled {
  return register({ invocation: id }, id);
}

/** A thrown value that is no object, boxed so that it can be registered. */
class ThrownValue extends Error {
  constructor(readonly thrown: unknown) {
    super(String(thrown));
    this.name = "ThrownValue";
  }
}

/** The boxes made here (a set, not `instanceof`: a thrown value may be a revoked Proxy, which throws on it). */
const boxes = new WeakSet<object>();

function failureOf(id: number, error: unknown): object {
  if (typeof error === "object" && error !== null) return register(error, id);
  const box = new ThrownValue(error);
  boxes.add(box);
  return register(box, id);
}

/** The step's own error, out of what a promise step rejected with (a boxed thrown value unboxed). */
export function stepErrorOf(value: unknown): unknown {
  return typeof value === "object" && value !== null && boxes.has(value) ? (value as ThrownValue).thrown : value;
}

/** Whether `value` is what invocation `id`'s promise really settled with (see {@link Settled}). */
export function isSettledBy(value: unknown, id: number): boolean {
  return typeof value === "object" && value !== null && settledBy.get(value)?.has(id) === true;
}

/** A step message as the statechart machine takes it: workflow events as events of their own type. */
function toMachineEvent(msg: FromStepMsg): object {
  if (msg.type === internal.send) {
    const origin =
      msg.step === undefined
        ? { kind: "send" as const, id: msg.id, op: msg.op }
        : { kind: "send" as const, id: msg.id, op: msg.op, step: msg.step };
    return sealWithOrigin(copyTrusted(msg.event as AnyEvent), origin);
  }
  if (msg.type === internal.wait && msg.prompt?.type === "InputRequiredEvent") {
    const origin = {
      kind: "prompt" as const,
      id: msg.id,
      op: msg.op,
      eventType: msg.eventType,
      predicate: msg.predicate,
      ...(msg.match ? { match: msg.match } : {}),
    };
    return sealWithOrigin(copyTrusted(msg.prompt), withPredicate(origin, predicateOf(msg)));
  }
  return msg;
}

/**
 * Sends as `sendTo` would (XState's `system._relay`, named in the architecture test), so
 * inspectors record the step's actor as the source of what the step produced.
 */
function relay(source: AnyActorRef | undefined, target: AnyActorRef, event: object): void {
  const system = target.system as { _relay?: (source: unknown, target: AnyActorRef, event: unknown) => void };
  if (typeof system._relay === "function") system._relay(source, target, event);
  else target.send(event as never);
}
