import { StartEvent, StopEvent, workflow } from "../../../src/index.js";

/** Two workflows in one file, one of them also the default export. */
export const hello = workflow({ name: "hello" }).step("greet", { accepts: StartEvent, emits: [StopEvent] }, () =>
  StopEvent({ result: "hello" }),
);
export const bye = workflow({ name: "farewell" }).step("part", { accepts: StartEvent, emits: [StopEvent] }, () =>
  StopEvent({ result: "bye" }),
);
export default hello;
export const notAWorkflow = { run: () => undefined };
