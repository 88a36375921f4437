/**
 * Human in the loop: an approval gate with one round of revision.
 *
 *   StartEvent {topic} ──draft──▶ InputRequiredEvent {prefix, payload: draft}   (the run waits)
 *   HumanResponseEvent ──review──▶ StopEvent {approved}          on "yes"
 *                                  Revise {feedback} ──draft──▶ InputRequiredEvent …   otherwise (once)
 *
 * The prompt is streamed (and kept in `handler.pendingInput`); whoever drives the run answers with
 * `handler.sendEvent(HumanResponseEvent({ response }))`. `main()` asks at the terminal when stdin is
 * a TTY, and answers by itself otherwise (or approves at once with `--yes`).
 *
 * Run: npx tsx examples/human-approval.ts [--yes] [topic]
 */
import { createInterface } from "node:readline/promises";
import { z } from "zod";
import { defineEvent, HumanResponseEvent, InputRequiredEvent, startEvent, stopEvent, workflow } from "../src/index.js";
import type { LLM } from "../src/openai/index.js";
import { describeStep, exampleTimeout, isMain, llmFromEnv, type MainOptions } from "./util.js";

export const Topic = startEvent({ topic: z.string().min(1) });
export const Revise = defineEvent("Revise", { feedback: z.string() });
export const Decision = stopEvent(
  z.object({ approved: z.boolean(), draft: z.string(), revisions: z.number(), feedback: z.array(z.string()) }),
);
/** What the reviewer sees in the InputRequiredEvent's payload. */
export const DraftPayload = z.object({ draft: z.string(), revision: z.number() });
export type DraftPayload = z.infer<typeof DraftPayload>;

export const ApprovalState = z.object({
  topic: z.string().default(""),
  draft: z.string().default(""),
  revisions: z.number().default(0),
  feedback: z.array(z.string()).default([]),
});

export const MAX_REVISIONS = 1;
export const PROMPT = "Approve this draft? (yes, or type what to change) ";

/**
 * The offline writer (no model configured): a fixed template, then the same with the feedback
 * appended. It does not pretend to write; with a model, `draft` asks the model instead.
 */
export function writeDraft(topic: string, feedback: readonly string[]): string {
  const base = `Announcing ${topic}: event-driven workflows, compiled to statecharts.`;
  return feedback.length === 0 ? base : `${base} (revised: ${feedback.join("; ")})`;
}

/** What the model is asked for a draft (and each revision). */
export function draftPrompt(topic: string, feedback: readonly string[]): string {
  const notes = feedback.length > 0 ? ` Apply this feedback: ${feedback.join("; ")}.` : "";
  return `Write a one-sentence announcement of ${topic}.${notes}`;
}

const isApproval = (response: string) => /^(y|yes|ok|approve|approved|lgtm)\b/i.test(response.trim());

export const approval = workflow({
  name: "human-approval",
  start: Topic,
  stop: Decision,
  state: ApprovalState,
  // The clock stops while a person is thinking.
  timeout: { run: exampleTimeout(), whileWaiting: false },
})
  .step("draft", { accepts: [Topic, Revise], emits: [InputRequiredEvent] }, async (ctx, ev) => {
    if (ev.type === "StartEvent") ctx.set("topic", ev.topic);
    else ctx.update("feedback", (list = []) => [...list, ev.feedback]);
    const llm = ctx.resources.llm as LLM | undefined;
    const draft = llm
      ? (await llm.complete(draftPrompt(ctx.get("topic"), ctx.get("feedback")), { ctx, name: "draft" })).text
      : writeDraft(ctx.get("topic"), ctx.get("feedback"));
    ctx.set("draft", draft);
    const payload: DraftPayload = { draft, revision: ctx.get("revisions") };
    return InputRequiredEvent({ prefix: PROMPT, payload });
  })
  .step("review", { accepts: HumanResponseEvent, emits: [Revise, Decision] }, async (ctx, ev) => {
    const approved = isApproval(ev.response);
    const revisions = ctx.get("revisions");
    if (!approved && revisions < MAX_REVISIONS) {
      ctx.set("revisions", revisions + 1);
      return Revise({ feedback: ev.response });
    }
    return Decision({
      result: { approved, draft: ctx.get("draft"), revisions, feedback: ctx.get("feedback") },
    });
  });

/** Answers one prompt: gets the draft shown and returns the reviewer's response. */
export type Reviewer = (prompt: InputRequiredEvent, payload: DraftPayload) => string | Promise<string>;

/**
 * Runs the approval workflow and drives it programmatically: every InputRequiredEvent in the
 * stream is answered by `reviewer` with `handler.sendEvent(HumanResponseEvent(...))`.
 * An array of answers is used in order.
 */
export async function runApproval(
  topic: string,
  reviewer: Reviewer | readonly string[],
  options: MainOptions & { llm?: LLM | undefined } = {},
): Promise<{ result: z.infer<typeof Decision.schema>["result"]; prompts: DraftPayload[] }> {
  const answers = Array.isArray(reviewer) ? [...reviewer] : undefined;
  const answer: Reviewer = answers ? () => answers.shift() ?? "yes" : (reviewer as Reviewer);
  const handler = approval.run({ topic }, { resources: options.llm ? { llm: options.llm } : {} });
  const prompts: DraftPayload[] = [];
  // One consumer for both jobs, so trace lines and prompts print in the order they happened.
  for await (const ev of handler.streamEvents(options.trace ? { all: true } : {})) {
    const line = options.trace ? describeStep(ev) : undefined;
    if (line) console.log(line);
    if (!InputRequiredEvent.is(ev)) continue;
    const payload = DraftPayload.parse(ev.payload);
    prompts.push(payload);
    handler.sendEvent(HumanResponseEvent({ response: await answer(ev, payload) }));
  }
  return { result: await handler, prompts };
}

export async function main(options: MainOptions & { args?: readonly string[] } = {}) {
  const args = options.args ?? process.argv.slice(2);
  const yes = args.includes("--yes");
  const topic = args.filter((a) => a !== "--yes").join(" ") || "stepchart 0.1";
  const interactive = !yes && process.stdin.isTTY === true;
  const rl = interactive ? createInterface({ input: process.stdin, output: process.stdout }) : undefined;
  const llm = llmFromEnv();
  console.log(
    llm ? `(drafts by the model "${llm.model}")` : "(offline: drafts come from a fixed template, not a model)",
  );
  if (yes) console.log("(auto-approving: --yes)");
  else if (!interactive) console.log("(auto-answering: stdin is not a terminal)");

  const scripted = ["Mention that runs can be paused and resumed", "yes"];
  try {
    const { result } = await runApproval(
      topic,
      async (prompt, { draft, revision }) => {
        console.log(`Draft v${revision + 1}: ${draft}`);
        if (rl) return rl.question(prompt.prefix ?? "> ");
        const response = yes ? "yes" : (scripted.shift() ?? "yes");
        console.log(`${prompt.prefix ?? "> "}${response}`);
        return response;
      },
      { ...options, llm },
    );
    console.log(
      result.approved
        ? `Approved after ${result.revisions} revision(s): ${result.draft}`
        : `Not approved after ${result.revisions} revision(s); last draft: ${result.draft}`,
    );
  } finally {
    rl?.close();
  }
}

if (isMain(import.meta.url)) await main();
