import { describe, expect, it } from "vitest";
import { extract } from "../../examples/extract.js";
import { approval } from "../../examples/human-approval.js";
import { parallelSearch } from "../../examples/parallel-search.js";
import { rag } from "../../examples/rag.js";
import { ragClass } from "../../examples/rag-class.js";
import { visitCounter } from "../../examples/state.js";
import { streaming } from "../../examples/streaming.js";
import { createWorkflowTestModel } from "../../src/testing/index.js";

// The project's own examples, tested the way docs/testing.md tells users to test theirs.
const examples = { rag, ragClass, approval, parallelSearch, visitCounter, streaming, extract };

describe("model-based tests of the example workflows", () => {
  it.each(Object.entries(examples))(
    "%s: every path passes, every step/EmittedEvent edge and every region transition of the model is covered",
    async (_, wf) => {
      const model = createWorkflowTestModel(wf);
      expect(model.paths.length).toBeGreaterThan(0);
      const report = await model.testAllPaths();
      expect(report.failed).toEqual([]);
      expect(report.coverage.missing).toEqual([]);
      expect(report.coverage.covered.length).toBeGreaterThan(0);
      // Read off the passing runs' traces: the runs took every transition the machine's model takes.
      expect(report.coverage.transitions.missing).toEqual([]);
    },
  );
});
