import { describe, expect, it } from "vitest";
import { errorInfo } from "../src/errors.js";
import {
  EventRoutingError,
  EventValidationError,
  isWorkflowError,
  SnapshotError,
  StepInterruptedError,
  StepStateError,
  StepTimeoutError,
  StreamPositionError,
  WaitTimeoutError,
  WorkflowCancelledError,
  WorkflowError,
  WorkflowStalledError,
  WorkflowStateError,
  WorkflowStepError,
  WorkflowTimeoutError,
  WorkflowValidationError,
} from "../src/index.js";
import { userCallback, withCallerStack } from "../src/internal/stack.js";

const cases: [WorkflowError, string, string][] = [
  [new EventValidationError("E", [{ path: "a", message: "bad" }]), "EventValidationError", "EVENT_VALIDATION"],
  [new WorkflowValidationError(["p"]), "WorkflowValidationError", "WORKFLOW_VALIDATION"],
  [new StepStateError("k", "bad key"), "StepStateError", "STATE"],
  [new EventRoutingError("s", "no route"), "EventRoutingError", "ROUTING"],
  [new WorkflowStepError("s", 1, new Error("x")), "WorkflowStepError", "STEP_FAILED"],
  [new StepTimeoutError("s", 10), "StepTimeoutError", "STEP_TIMEOUT"],
  [new StepInterruptedError("s"), "StepInterruptedError", "STEP_INTERRUPTED"],
  [new WaitTimeoutError("E", 10), "WaitTimeoutError", "WAIT_TIMEOUT"],
  [new WorkflowTimeoutError(10, []), "WorkflowTimeoutError", "RUN_TIMEOUT"],
  [new WorkflowCancelledError(), "WorkflowCancelledError", "CANCELLED"],
  [new WorkflowStalledError([]), "WorkflowStalledError", "STALLED"],
  [new WorkflowStateError("ended"), "WorkflowStateError", "WORKFLOW_STATE"],
  [new SnapshotError("bad"), "SnapshotError", "SNAPSHOT"],
  [new StreamPositionError("r", 0, 5), "StreamPositionError", "STREAM_POSITION"],
];

describe("WorkflowError", () => {
  it.each(cases)("%o has its class name and a stable code", (err, name, code) => {
    expect(err).toBeInstanceOf(WorkflowError);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe(name);
    expect(err.code).toBe(code);
    expect(isWorkflowError(err)).toBe(true);
  });

  it("gives every class a distinct code", () => {
    expect(new Set(cases.map(([, , code]) => code)).size).toBe(cases.length);
  });
});

describe("isWorkflowError", () => {
  it("is false for other values", () => {
    expect(isWorkflowError(new Error("x"))).toBe(false);
    expect(isWorkflowError(null)).toBe(false);
    expect(isWorkflowError("STALLED")).toBe(false);
    expect(isWorkflowError({ code: "STALLED" })).toBe(false);
  });

  it("recognises an error branded by another copy of the package", () => {
    const foreign = Object.assign(new Error("x"), { [Symbol.for("stepchart.error")]: true, code: "STALLED" });
    expect(isWorkflowError(foreign)).toBe(true);
  });
});

describe("EventValidationError", () => {
  it("names the event and each issue path in its message", () => {
    const err = new EventValidationError("Q", [
      { path: "a.b", message: "expected string" },
      { path: "", message: "not an object" },
    ]);
    expect(err.message).toBe('Invalid event "Q": a.b: expected string; not an object');
    expect(err.eventType).toBe("Q");
  });
});

describe("WorkflowValidationError", () => {
  it("lists every problem on its own line", () => {
    const err = new WorkflowValidationError(["one", "two"], "Bad");
    expect(err.message).toBe("Bad:\n  - one\n  - two");
    expect(err.problems).toEqual(["one", "two"]);
  });
});

describe("WorkflowStepError", () => {
  it("keeps the cause and names the step and the original message", () => {
    const cause = new Error("db down");
    const err = new WorkflowStepError("fetch", 3, cause);
    expect(err.cause).toBe(cause);
    expect(err.step).toBe("fetch");
    expect(err.attempts).toBe(3);
    expect(err.message).toBe('Step "fetch" failed after 3 attempts: db down');
    expect(new WorkflowStepError("f", 1, "oops").message).toBe('Step "f" failed: oops');
  });

  it("names the step once when the cause is stepchart's own error about it", () => {
    expect(new WorkflowStepError("slow", 1, new StepTimeoutError("slow", 10)).message).toBe(
      'Step "slow" failed: timed out after 10 ms',
    );
    expect(new WorkflowStepError("slow", 2, new StepTimeoutError("slow", 10)).message).toBe(
      'Step "slow" failed after 2 attempts: timed out after 10 ms',
    );
    // A user's message is theirs, whatever it starts with.
    expect(new WorkflowStepError("s", 1, new Error('Step "s" is misconfigured')).message).toBe(
      'Step "s" failed: Step "s" is misconfigured',
    );
  });

  it("has the cause's frames under its own header, and the cause keeps its stack", () => {
    const cause = new Error("db down");
    const before = cause.stack;
    const err = new WorkflowStepError("fetch", 1, cause);
    const [header, ...frames] = (err.stack ?? "").split("\n");
    expect(header).toBe('WorkflowStepError: Step "fetch" failed: db down');
    expect(frames).toEqual((before ?? "").split("\n").slice(1));
    expect(cause.stack).toBe(before);
  });

  it("finds the frames under a message of several lines, and has none for a cause without a stack", () => {
    const cause = new Error("line one\n    not a frame\nline three");
    const err = new WorkflowStepError("s", 1, cause);
    const header = 'WorkflowStepError: Step "s" failed: line one\n    not a frame\nline three';
    expect(err.stack?.startsWith(`${header}\n`)).toBe(true);
    expect(err.stack?.slice(header.length + 1)).toMatch(/^\s+at .*errors\.test\.ts/);
    expect(new WorkflowStepError("s", 1, "a string").stack).toBe('WorkflowStepError: Step "s" failed: a string');
    expect(new WorkflowStepError("s", 1, Object.create(null)).stack).toMatch(/^WorkflowStepError: /);
  });

  it("takes none of a message's lines for frames, even lines that read like frames", () => {
    const cause = new Error("line one\n    at fake (x.js:1:1)\nline three");
    const causeFrames = (cause.stack ?? "").slice(`Error: ${cause.message}\n`.length);
    const err = new WorkflowStepError("s", 1, cause);
    expect(err.stack).toBe(`WorkflowStepError: ${err.message}\n${causeFrames}`);
    expect(causeFrames).not.toContain("fake");
    expect(causeFrames).toMatch(/^\s+at .*errors\.test\.ts/);
  });

  it("takes the frames at the end of a stack whose header is no longer its name and message", () => {
    const cause = new Error("line one\n    at fake (x.js:1:1)\nline three");
    const stack = cause.stack ?? "";
    cause.message = "changed after its stack was read";
    const err = new WorkflowStepError("s", 1, cause);
    const frames = (err.stack ?? "").slice(`WorkflowStepError: ${err.message}\n`.length);
    expect(frames).toBe(stack.slice(`Error: line one\n    at fake (x.js:1:1)\nline three\n`.length));
    expect(frames).not.toContain("fake");
  });
});

describe("errors that no code of the user's threw", () => {
  it.each([
    new StepTimeoutError("s", 10),
    new WaitTimeoutError("E", 10),
    new WorkflowTimeoutError(10, ["s"]),
    new StepInterruptedError("s"),
    new WorkflowCancelledError(),
    new WorkflowStalledError([]),
  ])("%o has its header as its whole stack (stepchart's frames would be all it had)", (err) => {
    expect(err.stack).toBe(`${err.name}: ${err.message}`);
  });
});

describe("withCallerStack", () => {
  function publicApi(check: () => unknown): unknown {
    return withCallerStack(publicApi, check);
  }
  const thrownBy = (call: () => unknown): unknown => {
    try {
      call();
    } catch (e) {
      return e;
    }
    return undefined;
  };

  it("starts the stack of a stepchart error its checks made at the caller of the public function", () => {
    const err = thrownBy(() =>
      publicApi(() => {
        throw new WorkflowStateError("ended");
      }),
    ) as Error;
    const frames = (err?.stack ?? "").split("\n");
    expect(frames[0]).toBe("WorkflowStateError: ended");
    expect(frames.join("\n")).not.toContain("publicApi");
    expect(frames[1]).toContain("errors.test.ts");
  });

  it("leaves any other value as it is, and a stepchart error made before the call", () => {
    const own = new Error("mine");
    const earlier = new WorkflowStateError("made earlier");
    for (const value of [own, earlier]) {
      const stack = value.stack;
      expect(
        thrownBy(() =>
          publicApi(() => {
            throw value;
          }),
        ),
      ).toBe(value);
      expect(value.stack).toBe(stack);
    }
    expect(
      thrownBy(() =>
        publicApi(() => {
          throw "text";
        }),
      ),
    ).toBe("text");
  });

  it("leaves a stepchart error a user's callback made as the callback threw it", () => {
    let stack: string | undefined;
    function usersHook(): never {
      const error = new SnapshotError("the user's");
      stack = error.stack;
      throw error;
    }
    const err = thrownBy(() => publicApi(userCallback(usersHook))) as Error;
    expect(err.stack).toBe(stack);
    expect(err.stack?.split("\n")[1]).toContain("usersHook");
  });

  it("leaves an error of a public call made inside a user's callback where that call restarted it", () => {
    function usersHook(): never {
      publicApi(() => {
        throw new WorkflowStateError("inner");
      });
      throw new Error("unreachable");
    }
    const err = thrownBy(() => publicApi(userCallback(usersHook))) as Error;
    expect(err.message).toBe("inner");
    expect(err.stack?.split("\n")[1]).toContain("usersHook");
  });
});

describe("WorkflowTimeoutError", () => {
  it("names the timeout and the active steps", () => {
    expect(new WorkflowTimeoutError(500, ["a", "b"]).message).toBe(
      "Workflow timed out after 500 ms; active steps: a, b",
    );
    expect(new WorkflowTimeoutError(500, []).message).toBe("Workflow timed out after 500 ms; active steps: none");
  });
});

describe("WorkflowStalledError", () => {
  it("names the last events", () => {
    const err = new WorkflowStalledError(["StartEvent", "A"]);
    expect(err.lastEvents).toEqual(["StartEvent", "A"]);
    expect(err.message).toContain("last events: StartEvent, A");
    expect(new WorkflowStalledError([]).message).toContain("last events: none");
  });
});

describe("StepTimeoutError and WaitTimeoutError", () => {
  it("carry their subject and timeout", () => {
    const st = new StepTimeoutError("slow", 25);
    expect([st.step, st.timeout, st.message]).toEqual(["slow", 25, 'Step "slow" timed out after 25 ms']);
    const wt = new WaitTimeoutError("HumanResponseEvent", 40);
    expect([wt.eventType, wt.timeout]).toEqual(["HumanResponseEvent", 40]);
    expect(wt.message).toContain('"HumanResponseEvent"');
  });
});

describe("errorInfo", () => {
  it("reduces errors to name, message and code", () => {
    expect(errorInfo(new TypeError("t"))).toEqual({ name: "TypeError", message: "t" });
    expect(errorInfo(new StepStateError("k", "m"))).toEqual({ name: "StepStateError", message: "m", code: "STATE" });
    expect(errorInfo("plain")).toEqual({ name: "Error", message: "plain" });
  });
});
