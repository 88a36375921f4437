/**
 * The dev page's markup. Kept as a string (not a file beside it) so that the bundled CLI carries
 * it: tsup copies no static files into dist. Everything it shows is filled in by /dev/app.js with
 * `textContent`, never HTML, so a payload cannot inject markup.
 */
export function devPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>stepchart dev</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dev/app.css">
<script type="module" src="/dev/app.js"></script>
</head>
<body data-run-status="none">
<header>
  <h1>stepchart dev</h1>
  <label>workflow <select id="workflow"></select></label>
  <p id="error" role="alert" hidden></p>
</header>
<main>
  <section id="chart-panel" aria-labelledby="chart-title">
    <h2 id="chart-title">Statechart</h2>
    <div id="chart" aria-live="polite"></div>
  </section>
  <section id="start-panel" aria-labelledby="start-title">
    <h2 id="start-title">Start a run</h2>
    <form id="start-form">
      <div id="start-fields"></div>
      <button type="submit">Start</button>
    </form>
  </section>
  <section id="run-panel" aria-labelledby="run-title">
    <h2 id="run-title">Run</h2>
    <dl id="run-state">
      <dt>id</dt><dd id="run-id">none</dd>
      <dt>status</dt><dd id="run-status">none</dd>
      <dt>active</dt><dd id="run-active"></dd>
      <dt>state</dt><dd><pre id="run-ctx"></pre></dd>
      <dt>result</dt><dd><pre id="run-result"></pre></dd>
    </dl>
    <form id="prompt-form" hidden>
      <p id="prompt-text"></p>
      <pre id="prompt-payload"></pre>
      <label>response <input id="prompt-response" name="response" autocomplete="off" required></label>
      <button type="submit">Send</button>
    </form>
  </section>
  <section id="timeline-panel" aria-labelledby="timeline-title">
    <h2 id="timeline-title">Timeline</h2>
    <ol id="timeline"></ol>
  </section>
  <section id="runs-panel" aria-labelledby="runs-title">
    <h2 id="runs-title">Runs <button id="runs-refresh" type="button">Refresh</button></h2>
    <ul id="runs"></ul>
  </section>
</main>
</body>
</html>
`;
}
