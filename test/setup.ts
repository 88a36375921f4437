// Library code must never write to the console (except `verbose`): any stray output fails the test.
for (const method of ["log", "info", "warn", "error", "debug"] as const) {
  console[method] = (...args: unknown[]) => {
    throw new Error(`Unexpected console.${method}(${args.map(String).join(" ")})`);
  };
}
