// Library code must never write to the console (except `verbose`): any stray output fails the test.
for (const method of ["log", "info", "warn", "error", "debug"] as const) {
  console[method] = (...args: unknown[]) => {
    throw new Error(`Unexpected console.${method}(${args.map(String).join(" ")})`);
  };
}

// No test reaches the internet: a developer's model settings must not turn the examples' offline
// path into calls to a real API. Tests that want a model point these at the local fake server.
delete process.env.OPENAI_API_KEY;
delete process.env.OPENAI_BASE_URL;
delete process.env.STEPCHART_MODEL;
delete process.env.STEPCHART_EMBEDDING_MODEL;
