/**
 * OpenTelemetry tracing for workflow runs (`stepchart/telemetry`): being written for issue 14.
 */
export {};
