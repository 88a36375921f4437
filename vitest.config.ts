import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/** The behaviour suites: every shape and hosting must pass them. */
const behaviour = [
  "test/runtime/**/*.test.ts",
  "test/persistence/**/*.test.ts",
  "test/examples.test.ts",
  "test/compiler/machine.test.ts",
  "test/inspect/trace.test.ts",
  "test/inspect/statechart.test.ts",
  "test/testing/**/*.test.ts",
];
/** Tests of what only the statechart shape has (regions, promise actors, plain XState persistence). */
const statechartOnly = ["test/compiler/statechart.test.ts"];

const compactShape = {
  find: /^\.\/shape\.js$/,
  replacement: fileURLToPath(new URL("./test/support/shape-compact.ts", import.meta.url)),
};
const stepActors = {
  find: /^(\.\/|\.\.\/execution\/)hosting\.js$/,
  replacement: fileURLToPath(new URL("./test/support/hosting-actors.ts", import.meta.url)),
};

export default defineConfig({
  test: {
    setupFiles: ["test/setup.ts"],
    testTimeout: 20_000,
    projects: [
      {
        extends: true,
        test: {
          name: "statechart",
          include: ["test/**/*.test.ts"],
          typecheck: {
            enabled: true,
            include: ["test/types/**/*.test-d.ts"],
            tsconfig: "./tsconfig.json",
          },
        },
      },
      {
        // The behaviour suites again with the compact shape as the default (`shape: "compact"`).
        extends: true,
        resolve: { alias: [compactShape] },
        test: { name: "compact", include: behaviour, exclude: statechartOnly },
      },
      {
        // And with the compact shape hosting every invocation as its own XState actor (what
        // inspected compact runs do), so both of its hostings are held to the same tests.
        extends: true,
        resolve: { alias: [compactShape, stepActors] },
        test: { name: "compact-actors", include: behaviour, exclude: statechartOnly },
      },
    ],
  },
});
