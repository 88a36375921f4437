import { describe, expect, it } from "vitest";
import { z } from "zod";
import { approval } from "../../examples/human-approval.js";
import {
  defineEvent,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StopEvent,
  workflow,
} from "../../src/index.js";
import { toMermaid } from "../../src/inspect/index.js";

describe("toMermaid(wf)", () => {
  it("draws steps, the events between them, the terminals and the human round trip", () => {
    expect(toMermaid(approval)).toBe(
      [
        "flowchart TD",
        "  start([StartEvent]):::terminal",
        "  stop([StopEvent]):::terminal",
        "  step_draft[draft]",
        "  step_review[review]",
        "  human{{human}}:::human",
        "  start -- StartEvent --> step_draft",
        "  step_draft -- InputRequiredEvent --> human",
        "  step_review -- Revise --> step_draft",
        "  step_review -- StopEvent --> stop",
        "  human -- HumanResponseEvent --> step_review",
        "  classDef terminal fill:#eef,stroke:#557",
        "  classDef human fill:#ffe,stroke:#aa5",
        "  classDef outside fill:#eee,stroke:#999",
      ].join("\n"),
    );
  });

  it("draws awaited events as dotted edges, outside events from an outside node, and fan-out to every acceptor", () => {
    const Job = defineEvent("Job", { n: z.number() });
    const Approval = defineEvent("Approval", { ok: z.boolean() });
    const wf = workflow({ name: "shapes", external: [Approval] })
      .step("fan", { accepts: StartEvent, emits: [Job] }, async () => undefined)
      .step("left", { accepts: Job, emits: [StopEvent] }, async () => undefined)
      .step("right", { accepts: [Job, Approval], emits: [StopEvent] }, async () => undefined)
      .step(
        "wait",
        { accepts: Job, emits: [InputRequiredEvent], awaits: [Approval, HumanResponseEvent] },
        async () => undefined,
      );
    const text = toMermaid(wf);
    expect(text).toContain("  step_fan -- Job --> step_left");
    expect(text).toContain("  step_fan -- Job --> step_right");
    expect(text).toContain("  step_fan -- Job --> step_wait");
    expect(text).toContain("  outside((outside)):::outside");
    expect(text).toContain("  outside -- Approval --> step_right");
    expect(text).toContain("  outside -. Approval .-> step_wait");
    expect(text).toContain("  human -. HumanResponseEvent .-> step_wait");
    expect(text.split("\n").filter((l) => l.includes("-->") || l.includes(".->"))).toHaveLength(10);
  });
});

describe("toMermaid with names Mermaid would misread", () => {
  it("quotes step names and event types that are not plain words", () => {
    const Odd = defineEvent('odd|"type"-->x', {});
    const wf = workflow({ name: "odd" })
      .step("load [v2]", { accepts: StartEvent, emits: [Odd] }, async () => Odd({}))
      .step("done", { accepts: Odd, emits: [StopEvent] }, async () => StopEvent({ result: 1 }));
    const diagram = toMermaid(wf);
    expect(diagram).toContain('  step_load__v2_["load [v2]"]');
    expect(diagram).toContain('  step_load__v2_ -->|"odd|#quot;type#quot;-->x"| step_done');
  });
});

describe("toMermaid and a step that only waits for a person", () => {
  it("declares the styled human node its dotted edge comes from", () => {
    const wf = workflow({ name: "waits" }).step(
      "ask",
      { accepts: StartEvent, emits: [StopEvent], awaits: [HumanResponseEvent] },
      async (ctx) => {
        const answer = await ctx.waitForEvent(HumanResponseEvent, { prompt: InputRequiredEvent({ prefix: "?" }) });
        return StopEvent({ result: answer.response });
      },
    );
    const diagram = toMermaid(wf);
    expect(diagram).toContain("  human{{human}}:::human");
    expect(diagram).toContain("  human -. HumanResponseEvent .-> step_ask");
  });
});
