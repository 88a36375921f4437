/**
 * The page's drawing of a workflow's statechart, as nested boxes: the machine's top states, the
 * parallel `running` state with one region per step (idle | running) and the `human` region
 * (idle | waiting), each region's transitions listed under it. It is read from the drawing's config
 * (`toStatechart()`), and the run's stream moves it: a step's region is `running` between its
 * StepStartedEvent and StepFinishedEvent (counted, for steps with several workers), `human` is
 * `waiting` from an InputRequiredEvent until a step starts on the answer.
 *
 * Browser code, as a string: no template literals nor backslash escapes inside (they would be this
 * module's).
 */
export const chartScript = `
const TERMINAL = { WorkflowCancelledEvent: "cancelled", WorkflowFailedEvent: "failed", WorkflowTimedOutEvent: "timedOut" };
let chart = { regions: new Map(), top: new Map(), stop: "StopEvent", initial: "running", counts: new Map(), prompts: 0 };

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function drawChart(info) {
  const config = info.statechart;
  chart = { regions: new Map(), top: new Map(), stop: info.stop, initial: config.initial, counts: new Map(), prompts: 0 };
  const machine = el("div", { class: "machine", "data-machine": config.id });
  machine.append(el("div", { class: "name" }, config.id));
  const top = el("div", { class: "top" });
  for (const [key, node] of Object.entries(config.states || {})) {
    const kind = node.type ? " " + node.type : "";
    const state = el("div", { class: "state" + kind, "data-state": key });
    state.append(el("div", { class: "name" }, key + (node.type ? " (" + node.type + ")" : "")));
    if (node.type === "parallel") state.append(drawRegions(node.states || {}));
    top.append(state);
    chart.top.set(key, state);
  }
  machine.append(top);
  document.getElementById("chart").replaceChildren(machine);
  resetChart("none");
}

function drawRegions(states) {
  const regions = el("div", { class: "regions" });
  for (const [name, region] of Object.entries(states)) {
    const box = el("div", { class: "region", "data-region": name });
    box.append(el("div", { class: "name" }, name));
    if (region.description) box.append(el("div", { class: "about" }, region.description));
    const row = el("div", { class: "states" });
    const boxes = new Map();
    for (const key of Object.keys(region.states || {})) {
      const state = el("div", { class: "state", "data-state": key }, key);
      row.append(state);
      boxes.set(key, state);
    }
    box.append(row, transitionList(region.states || {}));
    regions.append(box);
    chart.regions.set(name, { box, states: boxes, initial: region.initial });
  }
  return regions;
}

/** A region's transitions by the events a person reads: the runtime's own messages are left out. */
function transitionList(states) {
  const list = el("ul", { class: "transitions" });
  for (const [from, node] of Object.entries(states)) {
    const byTarget = new Map();
    for (const [type, transitions] of Object.entries(node.on || {})) {
      if (type.startsWith("xstate.") || type.startsWith("stepchart.")) continue;
      for (const t of [].concat(transitions)) {
        const target = [].concat(t.target).join(", ");
        byTarget.set(target, (byTarget.get(target) || []).concat(type));
      }
    }
    for (const [target, types] of byTarget) list.append(el("li", {}, from + " → " + target + " on " + types.join(", ")));
  }
  return list;
}

function setRegion(name, key) {
  const region = chart.regions.get(name);
  if (!region || !region.states.has(key)) return;
  for (const [k, box] of region.states) box.classList.toggle("active", k === key);
  region.box.classList.toggle("running", key === "running");
  region.box.classList.toggle("waiting", key === "waiting");
  region.box.dataset.active = key;
}

/** The machine's top state: "none" before a run (no top state active), else the run's. */
function setTop(key) {
  for (const [k, box] of chart.top) box.classList.toggle("active", k === key);
  document.getElementById("chart").dataset.state = key;
}

function resetChart(top) {
  chart.counts = new Map();
  chart.prompts = 0;
  for (const [name, region] of chart.regions) setRegion(name, region.initial);
  setTop(top === undefined ? chart.initial : top);
}

function countStep(step, delta) {
  const count = Math.max(0, (chart.counts.get(step) || 0) + delta);
  chart.counts.set(step, count);
  setRegion(step, count > 0 ? "running" : "idle");
}

function countPrompts(delta) {
  chart.prompts = Math.max(0, chart.prompts + delta);
  setRegion("human", chart.prompts > 0 ? "waiting" : "idle");
}

/** Where a stream item ends the run: the top state it reaches, or undefined (an item typed "constructor" too). */
function endOf(type) {
  if (type === chart.stop) return "completed";
  return Object.hasOwn(TERMINAL, type) ? TERMINAL[type] : undefined;
}

/** Moves the drawing for one item of the run's stream (its internal view). */
function chartItem(type, value) {
  if (type === "StepStartedEvent") {
    countStep(value.step, 1);
    if (value.event === "HumanResponseEvent") countPrompts(-1);
  } else if (type === "StepFinishedEvent") {
    countStep(value.step, -1);
  } else if (type === "InputRequiredEvent") {
    countPrompts(1);
  } else if (endOf(type)) {
    resetChart(endOf(type));
  }
}
`;
