import type { AnyEvent, AnyEventDef, EventsOf } from "../events/types.js";
import { createStep } from "./build.js";
import type { AnyStepFn, Context, FreeState, StepDefinition, StepOptions, StepReturn } from "./types.js";

/** Decorated methods and their options, keyed by the method function itself. */
const registry = new WeakMap<object, { name: string; options: StepOptions }>();

/**
 * Marks a method of a `Workflow` subclass as a step (TC39 decorator; no `experimentalDecorators`).
 * The method's return type is checked against `emits`, and a parameter annotation that disagrees
 * with `accepts` is a type error. `ctx: Context<Resources>` types `ctx.resources`.
 *
 * @example
 * ```ts
 * class RAGWorkflow extends Workflow {
 *   @step({ accepts: StartEvent, emits: [RetrieveEvent] })
 *   async retrieve(ctx: Context, ev: StartEvent) {
 *     return RetrieveEvent({ query: String(ev.query), nodes: [] });
 *   }
 * }
 * ```
 */
export function step<
  const TAccepts extends AnyEventDef | readonly AnyEventDef[],
  const TEmits extends readonly AnyEventDef[],
  const TAwaits extends readonly AnyEventDef[] = [],
>(options: StepOptions<TAccepts, TEmits, TAwaits>) {
  return <This>(
    method: (
      this: This,
      // Resources as `any`: the method's own annotation (`Context<Resources>`) says what they are.
      // biome-ignore lint/suspicious/noExplicitAny: see above
      ctx: Context<any, FreeState, EventsOf<TEmits>, EventsOf<TAccepts>>,
      event: EventsOf<TAccepts>,
    ) => Promise<StepReturn<EventsOf<TEmits>>> | StepReturn<EventsOf<TEmits>>,
    context: ClassMethodDecoratorContext<This>,
  ): void => {
    if (context.static || context.private) {
      throw new TypeError(`@step() only decorates public instance methods (got "${String(context.name)}")`);
    }
    registry.set(method, { name: String(context.name), options: options as StepOptions });
  };
}

/** @internal The step definitions of a decorated instance, bound to it, in declaration order. */
export function decoratedSteps(instance: object): StepDefinition[] {
  const found: StepDefinition[] = [];
  const seen = new Set<string>();
  // From the subclass up, so an override wins over the method it replaces.
  for (
    let proto = Object.getPrototypeOf(instance);
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      const method = Object.getOwnPropertyDescriptor(proto, key)?.value;
      const entry = typeof method === "function" ? registry.get(method) : undefined;
      if (!entry || seen.has(entry.name)) continue;
      seen.add(entry.name);
      const fn: AnyStepFn = (ctx, event: AnyEvent) => method.call(instance, ctx, event);
      found.push(createStep(entry.name, entry.options, fn));
    }
  }
  return found;
}
