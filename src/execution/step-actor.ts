import { type AnyActorLogic, type AnyActorRef, fromCallback } from "xstate";
import type { StepDefinition } from "../definition/types.js";
import { type FromStepMsg, internal, isSealed, type ToStepMsg } from "../kernel/protocol.js";
import { Invoker, type StepEnvironment } from "./invoker.js";

export type { StepEnvironment } from "./invoker.js";

/** The input of a step actor: the number of the invocation it runs (its event is in context). */
export interface StepActorInput {
  readonly id: number;
}

/**
 * Builds the actor logic that runs one invocation of a step. The compiler registers one per step
 * under the step's name and spawns it per invocation; a durable backend can pass its own factory
 * to `toMachine`.
 */
export type StepActorFactory = (step: StepDefinition, env: StepEnvironment) => AnyActorLogic;

/**
 * The default step actor: a callback actor that runs its invocation with an {@link Invoker} and
 * reports back to the workflow actor. Stopping it aborts the invocation's `ctx.signal`.
 */
export const createStepActor: StepActorFactory = (step, env) =>
  fromCallback<ToStepMsg, StepActorInput>(({ self, sendBack, receive, input }) => {
    const invoker = new Invoker(self._parent as AnyActorRef, env, sendBack as (msg: FromStepMsg) => void);
    invoker.start(step, input.id);
    receive((msg) => {
      if (msg.type === internal.resolve && isSealed(msg)) invoker.resolve(msg.id, msg.op, msg.event);
    });
    return () => invoker.stop();
  });

/** The id of the actor that runs invocation `id` of `step`. */
export function stepActorId(step: string, id: number): string {
  return `${step}:${id}`;
}
