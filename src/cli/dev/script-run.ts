/**
 * The page's runs: starting one from the start form, following its stream (the internal view, so
 * steps starting and finishing are in it) into the timeline and the drawing, answering its prompt,
 * showing its state and result, and the list of runs the server knows (its store's included) to
 * open. Everything goes through the server's own API, on this origin.
 *
 * Browser code, as a string: no template literals nor backslash escapes inside (they would be this
 * module's).
 */
export const runScript = `
const page = { workflow: undefined, runId: undefined, source: undefined, reading: undefined, stale: false };
const $ = (id) => document.getElementById(id);

function showError(message) {
  $("error").textContent = message || "";
  $("error").hidden = !message;
}

async function api(path, init) {
  const response = await fetch(path, init);
  const text = await response.text();
  const body = text ? JSON.parse(text) : undefined;
  if (!response.ok) throw new Error((body && body.message) || response.status + " " + response.statusText);
  return body;
}

const post = (path, body) => api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

function setStatus(status) {
  document.body.dataset.runStatus = status;
  $("run-status").textContent = status;
}

/** A short line beside an item's type: which step, on what, with what outcome. */
function describe(type, value) {
  if (type === "StepStartedEvent") return value.step + " #" + value.invocation + " on " + value.event;
  if (type === "StepFinishedEvent") return value.step + " #" + value.invocation + " " + value.status + (value.output ? " → " + value.output : "");
  if (type === "InputRequiredEvent") return value.prefix || "";
  return "";
}

function addToTimeline(id, type, value) {
  const item = el("li", { "data-type": type, "data-sequence": id });
  const details = el("details");
  const summary = el("summary", {}, type);
  summary.append(el("span", { class: "meta" }, describe(type, value)));
  details.append(summary, el("pre", { class: "payload" }, JSON.stringify(value, null, 2)));
  item.append(details);
  $("timeline").append(item);
  item.scrollIntoView({ block: "nearest" });
}

function showHandler(handler) {
  $("run-id").textContent = handler.handler_id;
  const outcome = handler.result ? handler.result.value : handler.error;
  const shown = outcome && typeof outcome === "object" && "result" in outcome ? outcome.result : outcome;
  $("run-result").textContent = shown === null || shown === undefined ? "" : JSON.stringify(shown, null, 2);
  if (handler.status !== "running" || document.body.dataset.runStatus === "none") setStatus(handler.status);
}

/**
 * Re-reads the run's ctx state and active states. One read at a time: items that come while one is
 * on the way ask for one more read after it, so a burst of items costs two reads, not one each.
 */
function refreshState(runId) {
  if (page.reading) {
    page.stale = true;
    return;
  }
  page.stale = false;
  page.reading = api("/dev/runs/" + encodeURIComponent(runId) + "/state")
    .then((run) => {
      if (page.runId !== runId) return;
      $("run-active").textContent = run.active.join(", ") || "none";
      $("run-ctx").textContent = JSON.stringify(run.state, null, 2);
      $("run-ctx").dataset.runId = runId;
    })
    .catch((error) => showError(String(error.message || error)))
    .finally(() => {
      page.reading = undefined;
      // A read asked for meanwhile, of this run or of the one opened since.
      if (page.stale && page.runId) refreshState(page.runId);
    });
}

/** Re-reads the run's Handler: its status, result or error (202 while it runs). */
async function refreshRun(runId) {
  const handler = await api("/handlers/" + encodeURIComponent(runId));
  if (page.runId === runId) {
    showHandler(handler);
    refreshState(runId);
    // An ended run whose stream could not be replayed: the drawing takes its end from the record.
    if (handler.status !== "running" && $("chart").dataset.state === "running") resetChart(handler.status);
  }
  await listRuns();
}

function onItem(runId, message) {
  if (page.runId !== runId) return;
  const { type, value } = JSON.parse(message.data);
  addToTimeline(message.lastEventId, type, value);
  chartItem(type, value);
  // ctx state changes inside steps: read it as they start and finish, not on every token.
  if (type === "StepStartedEvent" || type === "StepFinishedEvent" || type === "InputRequiredEvent") refreshState(runId);
  if (type === "InputRequiredEvent") {
    showPrompt(value);
    setStatus("waiting");
  } else if (type === "StepStartedEvent" && value.event === "HumanResponseEvent") {
    hidePrompt();
    setStatus("running");
  } else if (endOf(type)) {
    page.source.close();
    hidePrompt();
    refreshRun(runId).catch((error) => showError(String(error.message || error)));
  }
}

/** Follows a run's stream from its oldest item held: a run opened later replays what it holds. */
function follow(runId) {
  const query = "?after_sequence=-1&include_internal=true";
  const source = new EventSource("/events/" + encodeURIComponent(runId) + query);
  page.source = source;
  source.onmessage = (message) => onItem(runId, message);
  source.onerror = () => {
    // CLOSED: the server answered 204 (nothing more) or refused (an ended stored run keeps no
    // items); otherwise the browser reconnects with Last-Event-ID by itself.
    if (source.readyState !== EventSource.CLOSED || page.runId !== runId) return;
    refreshRun(runId).catch((error) => showError(String(error.message || error)));
  };
}

/** Shows a run: its workflow's drawing, its state, and its stream from the start. */
async function openRun(handler) {
  if (page.source) page.source.close();
  page.runId = handler.handler_id;
  history.replaceState(null, "", "#run=" + encodeURIComponent(handler.handler_id));
  if (handler.workflow_name !== page.workflow && [...$("workflow").options].some((o) => o.value === handler.workflow_name)) {
    $("workflow").value = handler.workflow_name;
    await selectWorkflow(handler.workflow_name);
  }
  $("timeline").replaceChildren();
  hidePrompt();
  resetChart();
  setStatus("none");
  $("run-active").textContent = "";
  $("run-ctx").textContent = "";
  delete $("run-ctx").dataset.runId;
  showHandler(handler);
  markCurrent();
  refreshState(handler.handler_id);
  follow(handler.handler_id);
}

function markCurrent() {
  for (const item of $("runs").children) item.classList.toggle("current", item.dataset.runId === page.runId);
}

async function listRuns() {
  const { handlers } = await api("/handlers");
  const items = handlers.map((handler) => {
    const item = el("li", { "data-run-id": handler.handler_id, "data-status": handler.status });
    const open = el("button", { type: "button", title: "open " + handler.handler_id }, handler.handler_id.slice(0, 8));
    open.addEventListener("click", () => openRun(handler).catch((error) => showError(String(error.message || error))));
    item.append(open, el("span", {}, handler.workflow_name), el("span", { class: "status" }, handler.status));
    return item;
  });
  $("runs").replaceChildren(...items);
  markCurrent();
}

async function selectWorkflow(name) {
  page.workflow = name;
  const [info, schemas] = await Promise.all([
    api("/dev/statechart/" + encodeURIComponent(name)),
    api("/workflows/" + encodeURIComponent(name) + "/schema"),
  ]);
  drawChart(info);
  buildStartForm(schemas.start);
}

async function startRun(event) {
  event.preventDefault();
  showError("");
  let values;
  try {
    values = readStart();
  } catch (error) {
    return showError("The start event is not valid JSON: " + error.message);
  }
  const handler = await post("/workflows/" + encodeURIComponent(page.workflow) + "/run-nowait", { start_event: values });
  await openRun(handler);
  await listRuns();
}

async function answerPrompt(event) {
  event.preventDefault();
  showError("");
  const response = $("prompt-response").value;
  await post("/events/" + encodeURIComponent(page.runId), { event: { type: "HumanResponseEvent", value: { response } } });
  hidePrompt();
}

const reportErrors = (fn) => (event) => fn(event).catch((error) => showError(String(error.message || error)));

async function init() {
  $("start-form").addEventListener("submit", reportErrors(startRun));
  $("prompt-form").addEventListener("submit", reportErrors(answerPrompt));
  $("runs-refresh").addEventListener("click", reportErrors(listRuns));
  $("workflow").addEventListener("change", reportErrors(() => selectWorkflow($("workflow").value)));
  const { workflows } = await api("/workflows");
  $("workflow").replaceChildren(...workflows.map((name) => el("option", { value: name }, name)));
  if (workflows.length > 0) await selectWorkflow(workflows[0]);
  await listRuns();
  const linked = /^#run=(.+)$/.exec(location.hash);
  if (linked) await openRun(await api("/handlers/" + linked[1]));
  document.body.dataset.ready = "true";
}

init().catch((error) => showError(String(error.message || error)));
`;
