/**
 * An attempt's span gets a `stepchart.timeout` event for the codes of the runtime's timeouts only:
 * a user's error whose `code` names a key every object inherits ("toString", "constructor",
 * "__proto__") is an ordinary failure.
 */
import { describe, expect, it } from "vitest";
import { StartEvent, StopEvent, workflow } from "../../src/index.js";
import { otelTracing } from "../../src/telemetry/index.js";
import { eventsOf, finished, only, useTracing } from "./tracing.js";

const tracing = useTracing();
const instrument = otelTracing({ tracer: tracing.provider.getTracer("test") });

describe("timeout events on an attempt's span", () => {
  it.each(["toString", "constructor", "__proto__", "hasOwnProperty"])(
    'are not added for a user error with code "%s"',
    async (code) => {
      const wf = workflow({ name: "coded" }).step("fail", { accepts: StartEvent, emits: [StopEvent] }, async () => {
        throw Object.assign(new Error("refused"), { code });
      });
      await expect(wf.run({}, { instrument })).rejects.toThrow();

      const step = only(finished(tracing), "step fail");
      expect(eventsOf(step)).toEqual(["exception"]);
      expect(step.attributes["stepchart.step.outcome"]).toBe("failed");
    },
  );
});
