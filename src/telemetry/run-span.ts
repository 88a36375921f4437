import type { Tracer } from "@opentelemetry/api";
import type { AnyEvent } from "../events/types.js";
import type { RunEnd, RunInfo, RunObserver, StepAttemptInfo, StepAttemptObserver } from "../execution/instrument.js";
import { AttemptSpan } from "./attempt-span.js";
import { TelemetryAttributes as A, TelemetryEvents as E } from "./attributes.js";
import { type OtelApi, recordFailure } from "./otel.js";
import type { RunScope } from "./scope.js";

/**
 * The span of one run in this process (`run <workflow>`): a child of whatever span was current
 * when the run started or resumed; every step attempt's span is its child.
 */
export class RunSpan implements RunObserver {
  readonly #scope: RunScope;

  constructor(otel: OtelApi, tracer: Tracer, modelCalls: boolean, info: RunInfo) {
    const parent = otel.context.active();
    const span = tracer.startSpan(
      `run ${info.workflow}`,
      {
        kind: otel.SpanKind.INTERNAL,
        attributes: { [A.workflow]: info.workflow, [A.runId]: info.runId, [A.resumed]: info.resumed },
      },
      parent,
    );
    this.#scope = { otel, tracer, modelCalls, info, span, context: otel.trace.setSpan(parent, span) };
  }

  startAttempt(attempt: StepAttemptInfo): StepAttemptObserver {
    return new AttemptSpan(this.#scope, attempt);
  }

  received(event: AnyEvent): void {
    this.#scope.span.addEvent(E.eventReceived, { [A.eventType]: event.type });
  }

  end(end: RunEnd): void {
    const { span, otel } = this.#scope;
    span.setAttribute(A.runStatus, end.status);
    if (end.status === "timedOut") {
      const ms = (end.error as { timeout?: unknown }).timeout;
      span.addEvent(E.timeout, { [A.timeoutKind]: "run", ...(typeof ms === "number" ? { [A.timeoutMs]: ms } : {}) });
    }
    // A cancelled run, or one that goes on elsewhere, is no failure of the run.
    if (end.status === "failed" || end.status === "timedOut") recordFailure(otel, span, end.error);
    span.end();
  }
}
