/**
 * `@opentelemetry/api` is an optional peer: the package as it ships (built with the project's tsup
 * config, installed in a temporary app) runs workflows without it, `stepchart/telemetry` still
 * loads, and `otelTracing()` names the package to install. With it, the built subpath traces a run
 * through the global tracer provider.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { app as appIn, buildPackage, runIn } from "../support/built-package.js";

let built: { dir: string; dispose(): void };
beforeAll(async () => {
  built = await buildPackage();
}, 60_000);
afterAll(() => built?.dispose());

const script = (body: string) => `
  import { isWorkflowError, workflow, StartEvent, StopEvent } from "stepchart";
  const wf = workflow({ name: "w" }).step("a", { accepts: StartEvent, emits: [StopEvent] }, async () => StopEvent({ result: 1 }));
  try {
    console.log(JSON.stringify({ ok: await (async () => { ${body} })() }));
  } catch (error) {
    console.log(JSON.stringify({ workflowError: isWorkflowError(error), code: error.code, message: error.message }));
  }`;

describe("stepchart/telemetry in the built package", () => {
  it("without @opentelemetry/api, runs go on and otelTracing names the package and its install command", () => {
    const home = appIn(built.dir, "no-otel", []);
    expect(runIn(home, script(`return await wf.run();`))).toEqual({ ok: 1 });
    const code = script(`
      const { otelTracing, TelemetryAttributes } = await import("stepchart/telemetry");
      if (TelemetryAttributes.step !== "stepchart.step.name") return "broken";
      return otelTracing();`);
    expect(runIn(home, code)).toEqual({
      workflowError: true,
      code: "MISSING_DEPENDENCY",
      message:
        'stepchart/telemetry (otelTracing) needs the "@opentelemetry/api" package, which is not installed: install it with `npm install @opentelemetry/api@1`',
    });
  });

  it("with it, traces a run through the global tracer provider", () => {
    const home = appIn(built.dir, "otel", ["@opentelemetry/api", "@opentelemetry/sdk-trace-base"]);
    const code = script(`
      const { trace } = await import("@opentelemetry/api");
      const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = await import("@opentelemetry/sdk-trace-base");
      const exporter = new InMemorySpanExporter();
      trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
      const { otelTracing } = await import("stepchart/telemetry");
      await wf.run({}, { instrument: otelTracing() });
      return exporter.getFinishedSpans().map((s) => [s.name, s.instrumentationScope.name]);`);
    expect(runIn(home, code)).toEqual({
      ok: [
        ["step a", "stepchart"],
        ["run w", "stepchart"],
      ],
    });
  });
});
