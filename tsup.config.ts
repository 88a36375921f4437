import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    inspect: "src/inspect/index.ts",
    openai: "src/openai/index.ts",
    testing: "src/testing/index.ts",
    "stores/sqlite": "src/persistence/sqlite-store.ts",
    "stores/postgres": "src/persistence/postgres-store.ts",
    server: "src/server/index.ts",
    telemetry: "src/telemetry/index.ts",
    cli: "src/cli/main.ts",
  },
  format: ["esm"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node20",
  treeshake: true,
});
