import { describe, expect, it } from "vitest";
import type { AnyEvent } from "../../src/index.js";
import { collect } from "../../src/kernel/collect.js";
import {
  type Invocation,
  invocationOf,
  type RunContext,
  type StepSlots,
  type Waiter,
} from "../../src/kernel/context.js";
import { type CollectSpec, Draft, type Topology } from "../../src/kernel/draft.js";
import { append, emptyFifo, type Fifo, fifoSize, toArray } from "../../src/kernel/fifo.js";
import { recordOp } from "../../src/kernel/journal.js";
import { activeSteps, deliver, finish, isStalled, routeEvent } from "../../src/kernel/scheduler.js";
import { addWaiter, removeWaiter } from "../../src/kernel/waiters.js";

function context(over: Partial<RunContext> = {}): RunContext {
  return {
    runId: "run-1",
    start: { type: "StartEvent" },
    state: {},
    slots: {},
    inflight: [],
    buffers: {},
    waiters: [],
    pending: [],
    held: [],
    clock: { deadline: null, remaining: null },
    seq: 1,
    recent: [],
    outcome: null,
    ...over,
  };
}

function topology(acceptors: Record<string, string[]>, workers: Record<string, number> = {}): Topology {
  return {
    acceptors: (type) => acceptors[type] ?? [],
    workers: (step) => workers[step] ?? 4,
  };
}

/** The context after committing a draft, as the machine's `assign` would make it. */
function commit(d: Draft): RunContext {
  return { ...d.base, ...d.patch() };
}

const ev = (type: string, fields: Record<string, unknown> = {}): AnyEvent => ({ type, ...fields });
const always = () => true;

function invocation(id: number, step: string, event: AnyEvent = ev("StartEvent")): Invocation {
  return { id, step, event, attempt: 1, ops: 0, journal: {} };
}

function waiter(id: number, op: number, eventType: string): Waiter {
  return { id, op, eventType, predicate: false };
}

function queued(slots: StepSlots | undefined): AnyEvent[] {
  return slots ? toArray(slots.queue).map((q) => q.event) : [];
}

function logOf(...items: AnyEvent[]): Fifo<AnyEvent> {
  return items.reduce((log, item) => append(log, item), emptyFifo<AnyEvent>());
}

const list = (...types: string[]): CollectSpec => {
  const counts = new Map<string, number>();
  for (const t of types) counts.set(t, (counts.get(t) ?? 0) + 1);
  return { counts: [...counts], order: types };
};
const counted = (counts: Record<string, number>): CollectSpec => ({ counts: Object.entries(counts), order: null });

describe("Draft", () => {
  it("patches nothing when nothing changed", () => {
    const d = new Draft(context());
    void d.current("slots");
    expect(d.patch()).toEqual({});
    expect(d.effects).toEqual([]);
  });

  it("copies a branch on first write and leaves the base untouched", () => {
    const base = context({ state: { a: 1 } });
    const d = new Draft(base);
    d.state.b = 2;
    expect(base.state).toEqual({ a: 1 });
    expect(d.patch()).toEqual({ state: { a: 1, b: 2 } });
  });

  it("hands out ids from the context's seq and patches the new seq", () => {
    const d = new Draft(context({ seq: 7 }));
    expect(d.nextId()).toBe(7);
    expect(d.nextId()).toBe(8);
    expect(d.patch()).toEqual({ seq: 9 });
  });

  it("keeps the five most recent event types", () => {
    const d = new Draft(context({ recent: ["a", "b", "c", "d", "e"] }));
    d.noteEvent("f");
    expect(d.patch().recent).toEqual(["b", "c", "d", "e", "f"]);
    d.noteEvent("g");
    d.noteEvent("h");
    expect(d.patch().recent).toEqual(["d", "e", "f", "g", "h"]);
  });

  it("grows the recent list while it is short", () => {
    const d = new Draft(context({ recent: ["a"] }));
    d.noteEvent("b");
    d.noteEvent("c");
    expect(d.patch().recent).toEqual(["a", "b", "c"]);
  });

  it("reads this transition's writes through current", () => {
    const base = context();
    const d = new Draft(base);
    expect(d.current("inflight")).toBe(base.inflight);
    d.putInvocation(invocation(3, "s"));
    expect(invocationOf(d.current("inflight"), 3)?.step).toBe("s");
    expect(invocationOf(base.inflight, 3)).toBeUndefined();
  });
});

describe("routeEvent", () => {
  it("starts an invocation of every step that accepts the event", () => {
    const d = new Draft(context({ seq: 10 }));
    routeEvent(d, ev("A", { n: 1 }), topology({ A: ["x", "y"] }), always);
    expect(d.effects).toEqual([
      { kind: "invoke", step: "x", id: 10 },
      { kind: "invoke", step: "y", id: 11 },
    ]);
    const next = commit(d);
    expect(invocationOf(next.inflight, 10)).toEqual({
      id: 10,
      step: "x",
      event: { type: "A", n: 1 },
      attempt: 1,
      ops: 0,
      journal: {},
    });
    expect(invocationOf(next.inflight, 11)?.step).toBe("y");
    expect(next.slots.x?.active).toBe(1);
    expect(next.slots.y?.active).toBe(1);
    expect(next.seq).toBe(12);
    expect(next.recent).toEqual(["A"]);
  });

  it("delivers only to the named step when one is given", () => {
    const d = new Draft(context());
    routeEvent(d, ev("A"), topology({ A: ["x", "y"] }), always, "y");
    expect(d.effects).toEqual([{ kind: "invoke", step: "y", id: 1 }]);
  });

  it("notes an event no step accepts without starting anything", () => {
    const d = new Draft(context());
    routeEvent(d, ev("Nobody"), topology({}), always);
    expect(d.effects).toEqual([]);
    expect(d.patch()).toEqual({ recent: ["Nobody"] });
  });

  it("adds step-started trace effects only when tracing", () => {
    const d = new Draft(context(), true);
    routeEvent(d, ev("A"), topology({ A: ["x"] }), always);
    expect(d.effects).toEqual([
      { kind: "invoke", step: "x", id: 1 },
      { kind: "trace", event: { type: "StepStartedEvent", step: "x", invocation: 1, event: "A" } },
    ]);
  });

  it("resolves a matching waiter, journals the event at the waiter's op, and still routes it", () => {
    const base = context({
      seq: 5,
      inflight: [{ ...invocation(2, "asker"), ops: 2 }],
      slots: { asker: { active: 1, queue: emptyFifo() } },
      waiters: [waiter(2, 1, "Approval")],
    });
    const d = new Draft(base);
    const approval = ev("Approval", { ok: true });
    routeEvent(d, approval, topology({ Approval: ["audit"] }), always);
    expect(d.effects).toEqual([
      { kind: "resolve", step: "asker", id: 2, op: 1, event: approval },
      { kind: "invoke", step: "audit", id: 5 },
    ]);
    const next = commit(d);
    expect(next.waiters).toEqual([]);
    expect(invocationOf(next.inflight, 2)?.journal).toEqual({ 1: approval });
    expect(base.waiters).toHaveLength(1);
  });

  it("resolves every matching waiter, each in its own invocation", () => {
    const base = context({
      inflight: [invocation(1, "s"), invocation(2, "s")],
      waiters: [waiter(1, 0, "A"), waiter(2, 0, "A")],
    });
    const d = new Draft(base);
    routeEvent(d, ev("A"), topology({}), always);
    expect(d.effects.map((e) => (e.kind === "resolve" ? e.id : null))).toEqual([1, 2]);
    expect(commit(d).waiters).toEqual([]);
  });

  it("leaves waiters that do not match, or wait for another type", () => {
    const base = context({
      inflight: [invocation(1, "s"), invocation(2, "s")],
      waiters: [waiter(1, 0, "A"), waiter(2, 0, "B")],
    });
    const seen: string[] = [];
    const d = new Draft(base);
    routeEvent(d, ev("A"), topology({}), (_w, key) => {
      seen.push(key);
      return false;
    });
    expect(seen).toEqual(["1:0"]);
    expect(d.effects).toEqual([]);
    expect(commit(d).waiters.map((w) => `${w.id}:${w.op}`)).toEqual(["1:0", "2:0"]);
  });

  it("drops a waiter whose invocation is gone without resolving it", () => {
    const d = new Draft(context({ waiters: [waiter(9, 0, "A")] }));
    routeEvent(d, ev("A"), topology({}), always);
    expect(d.effects).toEqual([]);
    expect(commit(d).waiters).toEqual([]);
  });

  it("records and publishes an InputRequiredEvent as a pending prompt", () => {
    const prompt = ev("InputRequiredEvent", { prefix: "ok?" });
    const d = new Draft(context());
    routeEvent(d, prompt, topology({}), always);
    expect(d.effects).toEqual([{ kind: "publish", event: prompt }]);
    expect(commit(d).pending).toEqual([{ event: prompt }]);
  });

  it("answers the oldest step-returned prompt with a HumanResponseEvent no waiter takes", () => {
    const p1 = ev("InputRequiredEvent", { prefix: "1" });
    const p2 = ev("InputRequiredEvent", { prefix: "2" });
    const waiterPrompt = ev("InputRequiredEvent", { prefix: "w" });
    const d = new Draft(context({ pending: [{ event: waiterPrompt, waiter: "4:0" }, { event: p1 }, { event: p2 }] }));
    routeEvent(d, ev("HumanResponseEvent", { response: "yes" }), topology({ HumanResponseEvent: ["h"] }), always);
    expect(commit(d).pending).toEqual([{ event: waiterPrompt, waiter: "4:0" }, { event: p2 }]);
    expect(d.effects).toEqual([{ kind: "invoke", step: "h", id: 1 }]);
  });

  it("answers only the waiter's own prompt when a waiter takes the HumanResponseEvent", () => {
    const returned = ev("InputRequiredEvent", { prefix: "returned" });
    const asked = ev("InputRequiredEvent", { prefix: "asked" });
    const d = new Draft(
      context({
        inflight: [invocation(3, "ask")],
        waiters: [waiter(3, 0, "HumanResponseEvent")],
        pending: [{ event: returned }, { event: asked, waiter: "3:0" }],
      }),
    );
    const response = ev("HumanResponseEvent", { response: "ok" });
    routeEvent(d, response, topology({}), always);
    const next = commit(d);
    expect(next.pending).toEqual([{ event: returned }]);
    expect(invocationOf(next.inflight, 3)?.journal).toEqual({ 0: response });
  });
});

describe("deliver", () => {
  it("queues events in arrival order once every worker is busy", () => {
    const topo = topology({}, { s: 2 });
    const d = new Draft(context());
    for (const n of [1, 2, 3, 4]) deliver(d, "s", ev("A", { n }), topo);
    expect(d.effects).toEqual([
      { kind: "invoke", step: "s", id: 1 },
      { kind: "invoke", step: "s", id: 2 },
    ]);
    const slots = commit(d).slots.s;
    expect(slots?.active).toBe(2);
    expect(queued(slots)).toEqual([ev("A", { n: 3 }), ev("A", { n: 4 })]);
  });

  it("respects a single worker across drafts", () => {
    const topo = topology({}, { s: 1 });
    const d1 = new Draft(context());
    deliver(d1, "s", ev("A", { n: 1 }), topo);
    const d2 = new Draft(commit(d1));
    deliver(d2, "s", ev("A", { n: 2 }), topo);
    expect(d2.effects).toEqual([]);
    expect(fifoSize(commit(d2).slots.s?.queue ?? emptyFifo())).toBe(1);
  });
});

describe("finish", () => {
  it("frees the worker when nothing is queued and returns the invocation", () => {
    const inv = invocation(1, "s");
    const d = new Draft(context({ inflight: [inv], slots: { s: { active: 1, queue: emptyFifo() } } }));
    expect(finish(d, 1)).toBe(inv);
    const next = commit(d);
    expect(next.inflight).toEqual([]);
    expect(next.slots).toEqual({}); // an idle step keeps no entry
    expect(d.effects).toEqual([{ kind: "end", step: "s", id: 1 }]);
  });

  it("starts the oldest queued event on the freed worker", () => {
    const topo = topology({}, { s: 1 });
    const d1 = new Draft(context());
    for (const n of [1, 2, 3]) deliver(d1, "s", ev("A", { n }), topo);
    const d2 = new Draft(commit(d1));
    finish(d2, 1);
    expect(d2.effects).toEqual([
      { kind: "end", step: "s", id: 1 },
      { kind: "invoke", step: "s", id: 2 },
    ]);
    const next = commit(d2);
    expect(invocationOf(next.inflight, 2)?.event).toEqual({ type: "A", n: 2 });
    expect(next.slots.s?.active).toBe(1);
    expect(queued(next.slots.s)).toEqual([ev("A", { n: 3 })]);
    expect(isStalled(next)).toBe(false);
  });

  it("removes the invocation's waiters and their prompts", () => {
    const prompt = ev("InputRequiredEvent", { prefix: "?" });
    const other = ev("InputRequiredEvent", { prefix: "other" });
    const d = new Draft(
      context({
        inflight: [invocation(1, "s"), invocation(2, "s")],
        slots: { s: { active: 2, queue: emptyFifo() } },
        waiters: [waiter(1, 0, "HumanResponseEvent"), waiter(2, 0, "HumanResponseEvent")],
        pending: [
          { event: prompt, waiter: "1:0" },
          { event: other, waiter: "2:0" },
        ],
      }),
    );
    finish(d, 1);
    const next = commit(d);
    expect(next.waiters.map((w) => `${w.id}:${w.op}`)).toEqual(["2:0"]);
    expect(next.pending).toEqual([{ event: other, waiter: "2:0" }]);
    expect(next.slots.s?.active).toBe(1);
  });

  it("ignores an unknown invocation", () => {
    const d = new Draft(context({ slots: { s: { active: 1, queue: emptyFifo() } } }));
    expect(finish(d, 42)).toBeUndefined();
    expect(d.patch()).toEqual({});
  });
});

describe("recordOp", () => {
  it("records ops by their number and journals results that are not undefined", () => {
    const d = new Draft(context({ inflight: [invocation(1, "s")] }));
    expect(recordOp(d, 1, 0)).toBe(0);
    expect(recordOp(d, 1, 1, null)).toBe(1);
    expect(recordOp(d, 1, 2, [ev("A")])).toBe(2);
    const inv = invocationOf(commit(d).inflight, 1);
    expect(inv?.ops).toBe(3);
    expect(inv?.journal).toEqual({ 1: null, 2: [{ type: "A" }] });
  });

  it("keeps an op that finishes late at its own number (concurrent ctx.run), leaving a gap until then", () => {
    const d = new Draft(context({ inflight: [invocation(1, "s")] }));
    recordOp(d, 1, 1, { name: "b", result: 2 }); // op 0 is still running
    expect(invocationOf(d.current("inflight"), 1)).toMatchObject({ ops: 2, journal: { 1: { name: "b" } } });
    recordOp(d, 1, 0, { name: "a", result: 1 });
    expect(invocationOf(d.current("inflight"), 1)).toMatchObject({
      ops: 2,
      journal: { 0: { name: "a", result: 1 }, 1: { name: "b", result: 2 } },
    });
  });

  it("returns -1 for an unknown invocation", () => {
    const d = new Draft(context());
    expect(recordOp(d, 5, 0, "x")).toBe(-1);
    expect(d.patch()).toEqual({});
  });
});

describe("collect", () => {
  it("returns null until the listed set is complete, then the events in listed order", () => {
    const base = context();
    const d = new Draft(base);
    const b = ev("B", { n: 1 });
    const a = ev("A", { n: 1 });
    expect(collect(d, "join", b, list("A", "B"))).toBeNull();
    expect(collect(d, "join", a, list("A", "B"))).toEqual([a, b]);
    expect(commit(d).buffers.join).toEqual({});
    expect(base.buffers).toEqual({});
  });

  it("returns several events of one type in arrival order at their listed positions", () => {
    const d = new Draft(context());
    const a1 = ev("A", { n: 1 });
    const a2 = ev("A", { n: 2 });
    const b = ev("B");
    const spec = list("A", "B", "A");
    expect(collect(d, "join", a1, spec)).toBeNull();
    expect(collect(d, "join", b, spec)).toBeNull();
    expect(collect(d, "join", a2, spec)).toEqual([a1, b, a2]);
  });

  it("keeps extra events for the next collection", () => {
    const spec = list("A", "B");
    let c = context();
    const step = (event: AnyEvent) => {
      const d = new Draft(c);
      const out = collect(d, "join", event, spec);
      c = commit(d);
      return out;
    };
    const a1 = ev("A", { n: 1 });
    const a2 = ev("A", { n: 2 });
    const a3 = ev("A", { n: 3 });
    const b1 = ev("B", { n: 1 });
    const b2 = ev("B", { n: 2 });
    expect(step(a1)).toBeNull();
    expect(step(a2)).toBeNull();
    expect(step(a3)).toBeNull();
    expect(step(b1)).toEqual([a1, b1]);
    expect(toArray(c.buffers.join?.A ?? emptyFifo())).toEqual([a2, a3]);
    expect(c.buffers.join?.B).toBeUndefined();
    expect(step(b2)).toEqual([a2, b2]);
    expect(toArray(c.buffers.join?.A ?? emptyFifo())).toEqual([a3]);
  });

  it("returns the count form in key order, arrival order within a type", () => {
    const spec = counted({ B: 1, A: 2 });
    const d = new Draft(context());
    const a1 = ev("A", { n: 1 });
    const b1 = ev("B", { n: 1 });
    const a2 = ev("A", { n: 2 });
    const a3 = ev("A", { n: 3 });
    expect(collect(d, "join", a1, spec)).toBeNull();
    expect(collect(d, "join", b1, spec)).toBeNull();
    expect(collect(d, "join", a2, spec)).toEqual([b1, a1, a2]);
    expect(collect(d, "join", a3, spec)).toBeNull();
    expect(toArray(commit(d).buffers.join?.A ?? emptyFifo())).toEqual([a3]);
  });

  it("keeps one buffer per step", () => {
    const d = new Draft(context());
    const spec = list("A", "B");
    expect(collect(d, "left", ev("A"), spec)).toBeNull();
    expect(collect(d, "right", ev("B"), spec)).toBeNull();
    const buffers = commit(d).buffers;
    expect(Object.keys(buffers.left ?? {})).toEqual(["A"]);
    expect(Object.keys(buffers.right ?? {})).toEqual(["B"]);
  });

  it("leaves the previous context's buffer view unchanged", () => {
    const a1 = ev("A", { n: 1 });
    const before = context({ buffers: { join: { A: logOf(a1) } } });
    const d = new Draft(before);
    expect(collect(d, "join", ev("A", { n: 2 }), counted({ A: 3 }))).toBeNull();
    expect(toArray(before.buffers.join?.A ?? emptyFifo())).toEqual([a1]);
    expect(fifoSize(commit(d).buffers.join?.A ?? emptyFifo())).toBe(2);
  });
});

describe("addWaiter", () => {
  it("registers the waiter and records and publishes an InputRequiredEvent prompt", () => {
    const prompt = ev("InputRequiredEvent", { prefix: "name?" });
    const w = waiter(1, 0, "HumanResponseEvent");
    const d = new Draft(context());
    addWaiter(d, w, prompt, always);
    const next = commit(d);
    expect(next.waiters).toEqual([w]);
    expect(next.pending).toEqual([{ event: prompt, waiter: "1:0" }]);
    expect(d.effects).toEqual([{ kind: "publish", event: prompt, from: 1 }]);
  });

  it("publishes another prompt type without making it pending", () => {
    const prompt = ev("Question", { q: "?" });
    const d = new Draft(context());
    addWaiter(d, waiter(1, 0, "Answer"), prompt, always);
    expect(d.effects).toEqual([{ kind: "publish", event: prompt, from: 1 }]);
    expect(d.patch().pending).toBeUndefined();
  });

  it("is resolved at once by an event held for it, publishing its prompt without making it pending", () => {
    const prompt = ev("InputRequiredEvent", { prefix: "name?" });
    const early = ev("HumanResponseEvent", { response: "Ada" });
    const d = new Draft(context({ held: [ev("Other"), early], inflight: [invocation(1, "s")] }));
    addWaiter(d, waiter(1, 0, "HumanResponseEvent"), prompt, always);
    const next = commit(d);
    expect(next.held).toEqual([ev("Other")]);
    expect(next.waiters).toEqual([]);
    expect(next.pending).toEqual([]);
    expect(d.effects).toEqual([
      { kind: "publish", event: prompt, from: 1 },
      { kind: "resolve", step: "s", id: 1, op: 0, event: early },
    ]);
  });

  it("publishes nothing without a prompt", () => {
    const d = new Draft(context());
    addWaiter(d, waiter(1, 0, "A"), undefined, always);
    expect(d.effects).toEqual([]);
    expect(commit(d).waiters).toEqual([waiter(1, 0, "A")]);
  });
});

describe("removeWaiter", () => {
  it("removes the waiter and its pending prompt and reports the prompt", () => {
    const prompt = ev("InputRequiredEvent");
    const keep = ev("InputRequiredEvent", { prefix: "keep" });
    const d = new Draft(
      context({
        waiters: [waiter(1, 0, "HumanResponseEvent")],
        pending: [{ event: keep }, { event: prompt, waiter: "1:0" }],
      }),
    );
    expect(removeWaiter(d, 1, 0)).toBe(true);
    const next = commit(d);
    expect(next.waiters).toEqual([]);
    expect(next.pending).toEqual([{ event: keep }]);
  });

  it("returns false for a waiter without a prompt, and removes it", () => {
    const d = new Draft(context({ waiters: [waiter(1, 0, "A")] }));
    expect(removeWaiter(d, 1, 0)).toBe(false);
    expect(commit(d).waiters).toEqual([]);
  });

  it("returns false for an unknown waiter and changes nothing", () => {
    const d = new Draft(context({ pending: [{ event: ev("InputRequiredEvent"), waiter: "1:0" }] }));
    expect(removeWaiter(d, 1, 0)).toBe(false);
    expect(d.patch()).toEqual({});
  });
});

describe("isStalled", () => {
  it("is true when nothing runs, waits, is queued or pending", () => {
    expect(isStalled(context())).toBe(true);
    expect(isStalled(context({ slots: { s: { active: 0, queue: emptyFifo() } } }))).toBe(true);
  });

  it("is false with a pending prompt", () => {
    expect(isStalled(context({ pending: [{ event: ev("InputRequiredEvent") }] }))).toBe(false);
  });

  it("is false with an invocation in flight", () => {
    expect(isStalled(context({ inflight: [invocation(1, "s")] }))).toBe(false);
  });

  it("is false with a waiter", () => {
    expect(isStalled(context({ waiters: [waiter(1, 0, "A")] }))).toBe(false);
  });

  it("is false with an active worker or a queued event", () => {
    expect(isStalled(context({ slots: { s: { active: 1, queue: emptyFifo() } } }))).toBe(false);
    expect(isStalled(context({ slots: { s: { active: 0, queue: append(emptyFifo(), { event: ev("A") }) } } }))).toBe(
      false,
    );
  });

  it("becomes true after the last invocation finishes", () => {
    const d = new Draft(context());
    routeEvent(d, ev("StartEvent"), topology({ StartEvent: ["s"] }), always);
    const running = commit(d);
    expect(isStalled(running)).toBe(false);
    const d2 = new Draft(running);
    finish(d2, 1);
    expect(isStalled(commit(d2))).toBe(true);
  });
});

describe("activeSteps", () => {
  it("names each step with an invocation in flight once, sorted", () => {
    const c = context({ inflight: [invocation(1, "zeta"), invocation(2, "alpha"), invocation(3, "zeta")] });
    expect(activeSteps(c)).toEqual(["alpha", "zeta"]);
    expect(activeSteps(context())).toEqual([]);
  });
});
