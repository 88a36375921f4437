import { z } from "zod/v4";
import { buildTopology, type CompiledTopology } from "../compiler/topology.js";
import type { WorkflowDefinition } from "../definition/types.js";
import { SnapshotError } from "../errors.js";
import type { AnyEvent } from "../events/types.js";
import type { RunContext } from "../kernel/context.js";
import { accept } from "../kernel/incoming.js";

const int = z.number().int().nonnegative();
const eventShape = z.object({ type: z.string() }).loose();
const logShape = z.object({ items: z.array(z.unknown()), head: int, tail: int }).loose();
const errorShape = z.object({ name: z.string(), message: z.string(), code: z.string().optional() }).loose();

/**
 * The shape of a run's context (see RunContext in compiler/context.ts). Unknown keys pass: the
 * runtime ignores them. What the runtime reads must be there, with the right type; what must
 * agree with the definition and with the rest of the context is checked by {@link checkRunContext}.
 */
const contextShape = z
  .object({
    runId: z.string(),
    start: eventShape,
    state: z.record(z.string(), z.unknown()),
    slots: z.record(z.string(), z.object({ active: int, queue: logShape }).loose()),
    inflight: z.array(
      z
        .object({
          id: int,
          step: z.string(),
          event: eventShape,
          attempt: z.number().int().positive(),
          ops: int,
          journal: z.record(z.string(), z.unknown()),
          lastError: errorShape.optional(),
          retryAt: z.number().optional(),
        })
        .loose(),
    ),
    buffers: z.record(z.string(), z.record(z.string(), logShape)),
    waiters: z.array(
      z
        .object({
          id: int,
          op: int,
          eventType: z.string(),
          predicate: z.boolean(),
          match: z.record(z.string(), z.unknown()).optional(),
          parked: z.array(eventShape).optional(),
        })
        .loose(),
    ),
    pending: z.array(z.object({ event: eventShape, waiter: z.string().optional() }).loose()),
    held: z.array(eventShape),
    clock: z.object({ deadline: z.number().nullable(), remaining: z.number().nonnegative().nullable() }).loose(),
    seq: int,
    recent: z.array(z.string()),
    outcome: z.object({ status: z.string() }).loose().nullable(),
  })
  .loose();

const topologies = new WeakMap<WorkflowDefinition, CompiledTopology>();

/**
 * Checks a snapshot's machine context against the workflow it is resumed with: every part the
 * runtime reads is there and well typed, every event is valid against its definition and goes to
 * a step that takes it, every cross-reference holds (waiters and slots against in-flight
 * invocations, invocation ids below `seq`, journal entries below `ops`, prompts against waiters),
 * user state against the `state` schema, and the clock against the run timeout. A context that
 * passes cannot crash the runtime: a fuzzed or hand-edited snapshot is refused here instead.
 */
export function checkRunContext(value: unknown, def: WorkflowDefinition, active: boolean): void {
  const parsed = contextShape.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `machine.context.${i.path.join(".")}: ${i.message}`);
    throw malformed(issues.slice(0, 5).join("; "));
  }
  const context = value as RunContext;
  let topology = topologies.get(def);
  if (!topology) {
    topology = buildTopology(def);
    topologies.set(def, topology);
  }
  const check = new ContextCheck(context, def, topology);
  check.event(context.start, "start", "StartEvent");
  check.state();
  check.inflight();
  check.slots();
  check.buffers();
  check.waiters();
  check.pending();
  check.held();
  if (active) check.activeRun();
}

function malformed(problem: string): SnapshotError {
  return new SnapshotError(`Malformed snapshot: ${problem}`);
}

class ContextCheck {
  readonly #steps: ReadonlyMap<string, WorkflowDefinition["steps"][number]>;
  readonly #ids = new Set<number>();

  constructor(
    readonly context: RunContext,
    readonly def: WorkflowDefinition,
    readonly topology: CompiledTopology,
  ) {
    this.#steps = new Map(def.steps.map((s) => [s.name, s]));
  }

  /** A valid event of a type this workflow knows (of `type` when given), as the runtime would accept it. */
  event(event: AnyEvent, where: string, type?: string): void {
    if (type !== undefined && event.type !== type) throw malformed(`${where} is a "${event.type}", not a "${type}"`);
    const checked = accept(event, this.topology);
    if ("issues" in checked) {
      const issues = checked.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
      throw malformed(`${where} is not a valid "${event.type}" (${issues})`);
    }
  }

  /** The step named `name`, which must take events of `type` when given. */
  step(name: string, where: string, type?: string) {
    const step = this.#steps.get(name);
    if (!step) throw malformed(`${where} names a step "${name}" this workflow does not have`);
    if (type !== undefined && !this.topology.accepts.get(name)?.has(type))
      throw malformed(`${where} gives step "${name}" a "${type}", which it does not accept`);
    return step;
  }

  state(): void {
    const schema = this.def.state;
    if (!schema) return;
    const shape = schema.shape as Record<string, z.ZodType | undefined>;
    for (const [key, value] of Object.entries(this.context.state)) {
      const field = shape[key];
      if (!field) throw malformed(`state key "${key}" is not declared in the workflow's \`state\` schema`);
      if (!field.safeParse(value).success)
        throw malformed(`state key "${key}" does not match the workflow's \`state\` schema`);
    }
  }

  inflight(): void {
    const { seq } = this.context;
    for (const [i, inv] of this.context.inflight.entries()) {
      const where = `inflight[${i}]`;
      if (inv.id >= seq) throw malformed(`${where} has id ${inv.id}, not below seq ${seq}`);
      if (this.#ids.has(inv.id)) throw malformed(`two in-flight invocations have id ${inv.id}`);
      this.#ids.add(inv.id);
      this.step(inv.step, where, inv.event.type);
      this.event(inv.event, `${where}.event`);
      if (inv.retryAt !== undefined && !Number.isFinite(inv.retryAt)) throw malformed(`${where}.retryAt is not a time`);
      for (const [key, entry] of Object.entries(inv.journal)) {
        const op = Number(key);
        if (!(Number.isInteger(op) && op >= 0 && op < inv.ops && String(op) === key))
          throw malformed(`${where}.journal has an entry "${key}" that is not an op below ops (${inv.ops})`);
        this.journalEntry(entry, `${where}.journal.${key}`);
      }
    }
  }

  /** A `ctx.run` record, a collect result (events or `null`) or the event a wait took. */
  journalEntry(entry: unknown, where: string): void {
    if (entry === null) return;
    if (Array.isArray(entry)) {
      for (const [i, item] of entry.entries()) this.event(asEvent(item, `${where}[${i}]`), `${where}[${i}]`);
      return;
    }
    if (typeof entry !== "object") throw malformed(`${where} is not a journal entry`);
    const record = entry as Record<string, unknown>;
    if (typeof record.type === "string") this.event(record as AnyEvent, where);
    else if (typeof record.name !== "string") throw malformed(`${where} is not a journal entry`);
  }

  slots(): void {
    const running = new Map<string, number>();
    for (const inv of this.context.inflight) running.set(inv.step, (running.get(inv.step) ?? 0) + 1);
    for (const [name, slot] of Object.entries(this.context.slots)) {
      const step = this.step(name, `slots.${name}`);
      if (slot.active !== (running.get(name) ?? 0))
        throw malformed(`slots.${name}.active is ${slot.active}, but ${running.get(name) ?? 0} are in flight`);
      if (slot.active > step.numWorkers)
        throw malformed(`slots.${name}.active is ${slot.active}, over its ${step.numWorkers} workers`);
      const items = liveItems(slot.queue, `slots.${name}.queue`);
      if (items.length > 0 && slot.active < step.numWorkers)
        throw malformed(`slots.${name} queues events while a worker is free`);
      for (const [i, item] of items.entries()) {
        const where = `slots.${name}.queue[${i}]`;
        const event = asEvent((item as { event?: unknown } | null)?.event, `${where}.event`);
        this.step(name, where, event.type);
        this.event(event, `${where}.event`);
      }
      running.delete(name);
    }
    const [missing] = running.keys();
    if (missing !== undefined) throw malformed(`step "${missing}" has invocations in flight but no slot`);
  }

  buffers(): void {
    for (const [name, buffer] of Object.entries(this.context.buffers)) {
      this.step(name, `buffers.${name}`);
      for (const [type, log] of Object.entries(buffer)) {
        for (const [i, item] of liveItems(log, `buffers.${name}.${type}`).entries()) {
          const where = `buffers.${name}.${type}[${i}]`;
          this.event(asEvent(item, where), where, type);
        }
      }
    }
  }

  waiters(): void {
    const keys = new Set<string>();
    for (const [i, w] of this.context.waiters.entries()) {
      const where = `waiters[${i}]`;
      const inv = this.context.inflight.find((x) => x.id === w.id);
      if (!inv) throw malformed(`${where} belongs to invocation ${w.id}, which is not in flight`);
      if (w.op >= inv.ops) throw malformed(`${where} is op ${w.op}, not below the invocation's ops (${inv.ops})`);
      const key = `${w.id}:${w.op}`;
      if (keys.has(key)) throw malformed(`two waiters are op ${w.op} of invocation ${w.id}`);
      keys.add(key);
      for (const [j, event] of (w.parked ?? []).entries()) this.event(event, `${where}.parked[${j}]`, w.eventType);
    }
  }

  pending(): void {
    const prompted = new Set<string>();
    const waiters = new Set(this.context.waiters.map((w) => `${w.id}:${w.op}`));
    for (const [i, p] of this.context.pending.entries()) {
      this.event(p.event, `pending[${i}].event`, "InputRequiredEvent");
      if (p.waiter === undefined) continue;
      if (!waiters.has(p.waiter) || prompted.has(p.waiter))
        throw malformed(`pending[${i}] names waiter "${p.waiter}", which is not waiting (or has another prompt)`);
      prompted.add(p.waiter);
    }
  }

  /** Events from outside kept for a waiter to come: of a type some step waits for. */
  held(): void {
    for (const [i, event] of this.context.held.entries()) {
      if (!this.topology.awaited.has(event.type))
        throw malformed(`held[${i}] is a "${event.type}", which no step of this workflow waits for`);
      this.event(event, `held[${i}]`);
    }
  }

  /** A run that goes on: no outcome yet, and a clock that agrees with the workflow's timeout. */
  activeRun(): void {
    const { outcome, clock, pending } = this.context;
    if (outcome !== null) throw malformed(`an active run has an outcome (${outcome.status})`);
    if (clock.deadline !== null && clock.remaining !== null)
      throw malformed("the run clock has both a deadline and a remaining time");
    if (clock.remaining !== null && pending.length === 0)
      throw malformed("the run clock is paused, but nothing waits for a person");
    if (clock.remaining !== null && (this.def.timeout.run === null || this.def.timeout.whileWaiting))
      throw malformed(`the run clock is paused, but workflow "${this.def.name}" keeps its clock running while waiting`);
    // A workflow whose clock stops while a person is asked has it stopped whenever a prompt is pending
    // (a snapshot of the same workflow saved with `whileWaiting: true` would time it out meanwhile).
    const pauses = this.def.timeout.run !== null && !this.def.timeout.whileWaiting;
    if (pauses && pending.length > 0 && clock.deadline !== null)
      throw malformed(
        `a prompt is pending, but the run clock runs: workflow "${this.def.name}" stops it while waiting`,
      );
    // A timed workflow's run must stay timed: a snapshot whose clock was dropped would never end.
    if (this.def.timeout.run !== null && clock.deadline === null && clock.remaining === null)
      throw malformed(`the run has no deadline, but workflow "${this.def.name}" has a timeout`);
  }
}

function asEvent(value: unknown, where: string): AnyEvent {
  if (!eventShape.safeParse(value).success) throw malformed(`${where} is not an event`);
  return value as AnyEvent;
}

/** The `[head, tail)` items of a log, after checking its bounds. */
function liveItems(log: { items: readonly unknown[]; head: number; tail: number }, where: string): readonly unknown[] {
  if (!(log.head <= log.tail && log.tail <= log.items.length))
    throw malformed(`${where} has head ${log.head} and tail ${log.tail} outside its ${log.items.length} items`);
  return log.items.slice(log.head, log.tail);
}
