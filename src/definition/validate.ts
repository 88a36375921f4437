import type { AnyEventDef } from "../events/types.js";
import type { StepDefinition, WorkflowDefinition } from "./types.js";

const START = "StartEvent";
const STOP = "StopEvent";
const INPUT_REQUIRED = "InputRequiredEvent";
const HUMAN_RESPONSE = "HumanResponseEvent";

const list = (names: Iterable<string>) => [...new Set(names)].sort().join(", ");

/**
 * Every problem of a definition, sorted by kind and then by name; empty when the definition is
 * valid. Pure: no XState, no side effects (used by `wf.validate()` and by the first `run`).
 */
export function findProblems(def: WorkflowDefinition): string[] {
  const problems: string[] = [];
  const { steps } = def;
  if (steps.length === 0) return ["the workflow has no steps"];

  const stepNames = new Map<string, number>();
  for (const s of steps) stepNames.set(s.name, (stepNames.get(s.name) ?? 0) + 1);
  const dupSteps = [...stepNames].filter(([, n]) => n > 1).map(([name]) => name);
  if (dupSteps.length) problems.push(`duplicate step names: ${list(dupSteps)}`);

  const defsByType = new Map<string, Set<AnyEventDef>>();
  const note = (d: AnyEventDef) => {
    const set = defsByType.get(d.type) ?? new Set();
    set.add(d);
    defsByType.set(d.type, set);
  };
  for (const s of steps) for (const d of [...s.accepts, ...s.emits, ...s.awaits]) note(d);
  for (const d of def.external) note(d);
  const dupEvents = [...defsByType]
    .filter(([type, defs]) => defs.size > 1 && type !== START && type !== STOP)
    .map(([type]) => type);
  if (dupEvents.length) problems.push(`duplicate event names (two definitions share a type): ${list(dupEvents)}`);
  problems.push(...ownEventProblems(def));

  const badWorkers = steps.filter((s) => !(Number.isInteger(s.numWorkers) && s.numWorkers >= 1));
  if (badWorkers.length)
    problems.push(`numWorkers must be an integer >= 1 in steps: ${list(badWorkers.map((s) => s.name))}`);
  const badTimeouts = steps.filter((s) => s.timeout !== undefined && !(s.timeout > 0));
  if (badTimeouts.length)
    problems.push(`step timeout must be > 0 ms in steps: ${list(badTimeouts.map((s) => s.name))}`);
  const badRetry = steps.filter((s) => s.retry && !(Number.isInteger(s.retry.attempts) && s.retry.attempts >= 1));
  if (badRetry.length)
    problems.push(`retry.attempts must be an integer >= 1 in steps: ${list(badRetry.map((s) => s.name))}`);
  const emptyAccepts = steps.filter((s) => s.accepts.length === 0);
  if (emptyAccepts.length) problems.push(`steps accept no event type: ${list(emptyAccepts.map((s) => s.name))}`);

  const accepts = (s: StepDefinition, type: string) => s.accepts.some((d) => d.type === type);
  if (!steps.some((s) => accepts(s, START))) problems.push("no step accepts the start event (StartEvent)");
  if (!steps.some((s) => s.emits.some((d) => d.type === STOP))) problems.push("no step emits a stop event (StopEvent)");
  const stopAcceptors = steps.filter((s) => accepts(s, STOP));
  if (stopAcceptors.length)
    problems.push(`steps accept StopEvent, which ends the run: ${list(stopAcceptors.map((s) => s.name))}`);

  const produced = new Set<string>([START, HUMAN_RESPONSE, ...def.external.map((d) => d.type)]);
  for (const s of steps) for (const d of s.emits) produced.add(d.type);
  const consumed = new Set<string>();
  for (const s of steps) for (const d of [...s.accepts, ...s.awaits]) consumed.add(d.type);

  const neverProduced = [...consumed].filter((t) => !produced.has(t));
  if (neverProduced.length) problems.push(`events consumed but never produced: ${list(neverProduced)}`);
  const neverConsumed = [...produced].filter(
    (t) => !consumed.has(t) && t !== STOP && t !== INPUT_REQUIRED && t !== START && t !== HUMAN_RESPONSE,
  );
  if (neverConsumed.length) problems.push(`events produced but never consumed: ${list(neverConsumed)}`);

  problems.push(...graphProblems(def));
  return problems;
}

/**
 * A step that names another definition of StartEvent or StopEvent than the workflow's `start` and
 * `stop` (the built-in `StopEvent` next to `stop: stopEvent(schema)`) would bypass their schemas:
 * its events are routed under the same type, unchecked by the workflow's own definition.
 */
function ownEventProblems(def: WorkflowDefinition): string[] {
  const problems: string[] = [];
  for (const [type, own, option] of [
    [START, def.start, "start"],
    [STOP, def.stop, "stop"],
  ] as const) {
    const others = def.steps.filter((s) =>
      [...s.accepts, ...s.emits, ...s.awaits].some((d) => d.type === type && d !== own),
    );
    if (others.length === 0) continue;
    problems.push(
      `steps name a definition of ${type} other than the workflow's \`${option}\` (two definitions would share one type; use the workflow's own): ${list(others.map((s) => s.name))}`,
    );
  }
  return problems;
}

/** Reachability from StartEvent/HumanResponseEvent and paths to StopEvent/InputRequiredEvent. */
function graphProblems(def: WorkflowDefinition): string[] {
  const { steps } = def;
  const problems: string[] = [];
  const acceptors = (type: string) => steps.filter((s) => s.accepts.some((d) => d.type === type));

  const reached = new Set<string>();
  const queue = [START, HUMAN_RESPONSE, ...def.external.map((d) => d.type)];
  const seenEvents = new Set(queue);
  while (queue.length) {
    const type = queue.shift() as string;
    for (const s of acceptors(type)) {
      if (reached.has(s.name)) continue;
      reached.add(s.name);
      for (const d of s.emits) {
        if (!seenEvents.has(d.type)) {
          seenEvents.add(d.type);
          queue.push(d.type);
        }
      }
    }
  }
  const unreachable = steps.filter((s) => !reached.has(s.name)).map((s) => s.name);
  if (unreachable.length)
    problems.push(`steps unreachable from StartEvent or HumanResponseEvent: ${list(unreachable)}`);

  // A step has a path to the end when it emits a terminal event or an event taken by such a step.
  const finishing = new Set<string>();
  let changed = true;
  while (changed) {
    changed = false;
    for (const s of steps) {
      if (finishing.has(s.name)) continue;
      const ends = s.emits.some(
        (d) =>
          d.type === STOP ||
          d.type === INPUT_REQUIRED ||
          acceptors(d.type).some((next) => finishing.has(next.name)) ||
          // an event a finishing step waits for (`awaits`) also leads to the end
          steps.some((next) => finishing.has(next.name) && next.awaits.some((a) => a.type === d.type)),
      );
      if (ends) {
        finishing.add(s.name);
        changed = true;
      }
    }
  }
  const deadEnds = steps.filter((s) => s.emits.length > 0 && !finishing.has(s.name)).map((s) => s.name);
  if (deadEnds.length) problems.push(`steps with no path to StopEvent or InputRequiredEvent: ${list(deadEnds)}`);
  return problems;
}
