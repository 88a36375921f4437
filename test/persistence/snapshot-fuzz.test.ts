/**
 * Snapshot fuzzing: real snapshots of real runs, taken after every transition, mutated thousands
 * of times (byte flips of the JSON text, structural changes of the object), and each resumed. A
 * mutated snapshot must be refused with SnapshotError, or resume and end as a run ends: with a
 * result, or with a WorkflowError. Never a hang, a crash, a non-WorkflowError or an unhandled
 * rejection.
 *
 * STEPCHART_FUZZ_RUNS sets the number of mutations (default 6000 per hosting, about 7 s each here);
 * STEPCHART_FUZZ_SEED a seed (a number, or `random`; STEPCHART_PROPERTY_SEED is used when it is
 * unset). A failure names its seed and case, and describes each mutation.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  isWorkflowError,
  SnapshotError,
  StepStateError,
  type WorkflowHandler,
  type WorkflowSnapshot,
  WorkflowStepError,
} from "../../src/index.js";
import { FUZZ_TIMEOUT, type FuzzSubject, subjects } from "./fixtures/fuzz-workflows.js";
import { type Mutation, mutate, random } from "./fixtures/mutations.js";

const RUNS = Number(process.env.STEPCHART_FUZZ_RUNS ?? 6000);
const seedSetting = process.env.STEPCHART_FUZZ_SEED ?? process.env.STEPCHART_PROPERTY_SEED;
const SEED =
  seedSetting === undefined
    ? 20261130
    : seedSetting === "random"
      ? Math.floor(Math.random() * 2 ** 31)
      : Number(seedSetting);
/** Resumes in flight at once: most end in a few ms, a few wait for the run timeout. */
const CONCURRENCY = 48;

type Outcome =
  | { readonly kind: "refused" | "not JSON" | "same result" | "other result" }
  | { readonly kind: "failed"; readonly code: string }
  | { readonly kind: "broken"; readonly why: string };

/** Every snapshot of one run, one after each transition of its actor (as plain JSON). */
async function snapshotsOf(subject: FuzzSubject): Promise<WorkflowSnapshot[]> {
  const handler = subject.wf.run(subject.input as never) as WorkflowHandler<unknown, never>;
  const snapshots: WorkflowSnapshot[] = [];
  handler.actor.subscribe({ next: () => snapshots.push(JSON.parse(JSON.stringify(handler.snapshot()))) });
  subject.drive(handler);
  await expect(handler).resolves.toEqual(subject.expected);
  return snapshots;
}

/**
 * The snapshot as if it had just been saved: its run deadline moved by the time since it was taken
 * (a corpus taken a second ago would otherwise only test runs that time out at once), plus `slack`.
 */
function fresh(snapshot: WorkflowSnapshot, slack = 0): WorkflowSnapshot {
  const { clock } = snapshot.machine.context;
  if (clock.deadline === null) return snapshot;
  const deadline = clock.deadline + (Date.now() - Date.parse(snapshot.savedAt)) + slack;
  const context = { ...snapshot.machine.context, clock: { ...clock, deadline } };
  return { ...snapshot, machine: { ...snapshot.machine, context } };
}

/** Resumes one snapshot, driving it like a fresh run, and tells how it ended. */
async function resume(subject: FuzzSubject, snapshot: unknown, patience = FUZZ_TIMEOUT + 4_000): Promise<Outcome> {
  let handler: WorkflowHandler<unknown, never>;
  try {
    handler = subject.wf.resume(snapshot as WorkflowSnapshot) as WorkflowHandler<unknown, never>;
  } catch (err) {
    if (err instanceof SnapshotError) return { kind: "refused" };
    return { kind: "broken", why: `resume threw ${explain(err)}` };
  }
  subject.drive(handler);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<"hang">((resolve) => {
    timer = setTimeout(() => resolve("hang"), patience);
  });
  const settled = await Promise.race([
    handler.then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    ),
    hang,
  ]);
  clearTimeout(timer);
  if (settled === "hang") {
    handler.cancel();
    await handler.catch(() => undefined);
    return { kind: "broken", why: `did not end within ${patience} ms (its timeout is ${FUZZ_TIMEOUT})` };
  }
  if ("result" in settled)
    return {
      kind: JSON.stringify(settled.result) === JSON.stringify(subject.expected) ? "same result" : "other result",
    };
  const { error } = settled;
  if (!isWorkflowError(error)) return { kind: "broken", why: `rejected with ${explain(error)}` };
  // Step bodies here only throw WorkflowErrors on data their schemas accept (and "warehouse busy",
  // which a retry absorbs): any other cause is the runtime failing inside a step.
  if (error instanceof WorkflowStepError && !isWorkflowError(error.cause) && !/warehouse busy/.test(error.message))
    return { kind: "broken", why: `a step crashed: ${explain(error.cause)}` };
  return { kind: "failed", code: error.code };
}

function explain(value: unknown): string {
  return value instanceof Error ? `${value.name}: ${value.message}` : String(value);
}

const corpus = new Map<FuzzSubject, WorkflowSnapshot[]>();
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  process.on("unhandledRejection", onUnhandled);
  for (const subject of subjects) corpus.set(subject, await snapshotsOf(subject));
});

afterAll(() => {
  process.off("unhandledRejection", onUnhandled);
});

describe("resuming fuzzed snapshots", () => {
  it("resumes every unmutated snapshot of every run to the run's result", async () => {
    for (const [subject, snapshots] of corpus) {
      const active = snapshots.filter((s) => s.machine.status === "active");
      expect(active.length).toBeGreaterThan(10);
      // Dozens resume at once: on a loaded machine they may take longer than the fuzz workflows'
      // short run timeout, which is there for mutated snapshots that hang, not for these.
      const outcomes = await Promise.all(active.map((s) => resume(subject, fresh(s, 10_000), 15_000)));
      expect({ subject: subject.name, outcomes: new Set(outcomes.map((o) => o.kind)) }).toEqual({
        subject: subject.name,
        outcomes: new Set(["same result"]),
      });
    }
  });

  it("refuses a snapshot whose in-flight step lost its slot (machine.context.slots.join deleted)", () => {
    const orders = subjects.find((s) => s.name === "orders") as FuzzSubject;
    const snapshots = corpus.get(orders) ?? [];
    const joining = snapshots.find(
      (s) => s.machine.status === "active" && s.machine.context.inflight.some((inv) => inv.step === "join"),
    ) as WorkflowSnapshot;
    const { join: _, ...slots } = joining.machine.context.slots;
    const fuzzed = { ...joining, machine: { ...joining.machine, context: { ...joining.machine.context, slots } } };
    expect(() => orders.wf.resume(fuzzed as never)).toThrow(
      new SnapshotError('Malformed snapshot: step "join" has invocations in flight but no slot'),
    );
  });

  it("fails the step with StepStateError when a ctx.run op's journal entry is null (found by the fuzz, seed 1333467854)", async () => {
    const pipeline = subjects.find((s) => s.name === "pipeline") as FuzzSubject;
    const squaring = (corpus.get(pipeline) ?? []).find((s) =>
      s.machine.context.inflight.some((inv) => inv.step === "square" && inv.journal[0] !== undefined),
    ) as WorkflowSnapshot;
    const fuzzed = structuredClone(fresh(squaring)) as unknown as {
      machine: { context: { inflight: { step: string; journal: object }[] } };
    };
    const invocation = fuzzed.machine.context.inflight.find((inv) => inv.step === "square" && 0 in inv.journal);
    (invocation as { journal: Record<number, unknown> }).journal[0] = null; // what a collect that was not ready journals
    const handler = pipeline.wf.resume(fuzzed as never);
    pipeline.drive(handler as never);
    const err = (await handler.catch((e: unknown) => e)) as WorkflowStepError;
    expect(err).toBeInstanceOf(WorkflowStepError);
    expect(err.cause).toBeInstanceOf(StepStateError);
    expect((err.cause as StepStateError).message).toMatch(
      /^ctx\.run\("square"\) is op 0 of this step, but the journal has another op there/,
    );
  });

  it(
    `refuses or resumes correctly each of ${RUNS} mutated snapshots (seed ${SEED})`,
    async ({ annotate }) => {
      const counts = new Map<string, number>();
      const broken: string[] = [];
      const examples = new Map<string, string[]>();
      const run = async (n: number) => {
        const rand = random(SEED + n);
        const subject = subjects[Math.floor(rand() * subjects.length)] as FuzzSubject;
        const snapshots = corpus.get(subject) ?? [];
        const mutation: Mutation = mutate(
          fresh(snapshots[Math.floor(rand() * snapshots.length)] as WorkflowSnapshot),
          rand,
        );
        const outcome: Outcome =
          mutation.snapshot === null ? { kind: "not JSON" } : await resume(subject, mutation.snapshot);
        const key = outcome.kind === "failed" ? `failed ${outcome.code}` : outcome.kind;
        counts.set(key, (counts.get(key) ?? 0) + 1);
        if (process.env.STEPCHART_FUZZ_EXAMPLES && (examples.get(key)?.length ?? 0) < 5)
          examples.set(key, [...(examples.get(key) ?? []), `${subject.name}: ${mutation.description}`]);
        if (outcome.kind === "broken")
          broken.push(`case ${n} (seed ${SEED}), ${subject.name}, ${mutation.description}: ${outcome.why}`);
      };
      for (let next = 0; next < RUNS; next += CONCURRENCY)
        await Promise.all(Array.from({ length: Math.min(CONCURRENCY, RUNS - next) }, (_, i) => run(next + i)));
      const summary = [...counts]
        .sort()
        .map(([k, v]) => `${k}: ${v}`)
        .join(", ");
      await annotate(`${RUNS} mutations, seed ${SEED}: ${summary}`);
      for (const [key, list] of examples) await annotate(`${key}, e.g.: ${list.join(" | ")}`);
      expect(broken).toEqual([]);
      expect(unhandled.map(explain)).toEqual([]);
      // Most mutations must reach the checks past JSON parsing, and some must get through them.
      expect(counts.get("refused") ?? 0).toBeGreaterThan(RUNS / 4);
      // About 1.2 ms a mutation here, so `npm run fuzz`'s 30,000 need more than the default 20 s.
    },
    Math.max(20_000, RUNS * 5),
  );
});
