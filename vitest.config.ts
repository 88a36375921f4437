import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    setupFiles: ["test/setup.ts"],
    testTimeout: 20_000,
    projects: [
      {
        extends: true,
        test: {
          name: "inline",
          include: ["test/**/*.test.ts"],
          typecheck: {
            enabled: true,
            include: ["test/types/**/*.test-d.ts"],
            tsconfig: "./tsconfig.json",
          },
        },
      },
      {
        // The behaviour suites again, with every step invocation spawned as its own XState actor
        // (what inspected runs do), so both hostings are held to the same tests.
        extends: true,
        resolve: {
          alias: [
            {
              find: /^(\.\/|\.\.\/execution\/)hosting\.js$/,
              replacement: fileURLToPath(new URL("./test/support/hosting-actors.ts", import.meta.url)),
            },
          ],
        },
        test: {
          name: "step-actors",
          include: [
            "test/runtime/**/*.test.ts",
            "test/persistence/**/*.test.ts",
            "test/examples.test.ts",
            "test/compiler/machine.test.ts",
            "test/inspect/trace.test.ts",
            "test/inspect/statechart.test.ts",
            "test/testing/**/*.test.ts",
          ],
        },
      },
    ],
  },
});
