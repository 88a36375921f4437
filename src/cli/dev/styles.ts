/** The dev page's styles (a string, for the same reason as the page: see page.ts). */
export function devStyles(): string {
  return `:root { color-scheme: light; --ink: #222; --muted: #667; --line: #ccd; --run: #1a7f37; --wait: #b58100; --bad: #c62828; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, sans-serif; color: var(--ink); background: #f7f7fa; }
header { display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1rem; background: #fff; border-bottom: 1px solid var(--line); }
h1 { font-size: 1.1rem; margin: 0; }
h2 { font-size: .95rem; margin: 0 0 .5rem; display: flex; gap: .5rem; align-items: center; }
h2 button { font-weight: normal; font-size: 12px; padding: .1rem .5rem; }
main { display: grid; gap: 1rem; padding: 1rem; grid-template-columns: minmax(0, 1.2fr) minmax(0, 1fr);
  grid-template-areas: "chart run" "start timeline" "runs timeline"; align-items: start; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .75rem; }
#chart-panel { grid-area: chart; } #start-panel { grid-area: start; } #run-panel { grid-area: run; }
#timeline-panel { grid-area: timeline; } #runs-panel { grid-area: runs; }
#error { color: var(--bad); margin: 0; }
pre { margin: 0; white-space: pre-wrap; word-break: break-word; font: 12px/1.35 ui-monospace, monospace; }
label { display: block; margin: .3rem 0; }
input, select, textarea { font: inherit; padding: .2rem .35rem; }
input:not([type=checkbox]), textarea { width: 100%; }
textarea { min-height: 4rem; font-family: ui-monospace, monospace; }
button { font: inherit; padding: .25rem .8rem; cursor: pointer; }
.machine, .state { border: 1px solid #99a; border-radius: 8px; padding: .35rem .5rem; background: #fff; }
.machine > .name { font-weight: 600; }
.top { display: flex; flex-wrap: wrap; gap: .5rem; margin-top: .4rem; align-items: flex-start; }
.top > .state.parallel { flex: 1 1 100%; border-style: dashed; }
.regions { display: flex; flex-wrap: wrap; gap: .5rem; margin-top: .35rem; }
.region { flex: 1 1 12rem; border: 1px solid var(--line); border-radius: 6px; padding: .35rem; background: #fafafe; transition: background .2s; }
.region .name { font-weight: 600; }
.region .about { color: var(--muted); font-size: 12px; margin: .15rem 0 .3rem; }
.region .states { display: flex; gap: .4rem; }
.region .state { flex: 1; text-align: center; font-size: 12px; padding: .2rem; }
.transitions { list-style: none; padding: 0; margin: .3rem 0 0; font-size: 11px; color: var(--muted); }
.state.active { border-width: 2px; }
.region .state.active, .top > .state.active > .name { font-weight: 600; }
.region.running { background: #e6f6ea; border-color: var(--run); }
.region.running .state.active { border-color: var(--run); color: var(--run); }
.region.waiting { background: #fff6dc; border-color: var(--wait); }
.region.waiting .state.active { border-color: var(--wait); color: var(--wait); }
.top > .state.active { border-color: var(--run); border-width: 2px; }
.top > .state.final.active, .top > .state.active[data-state=completed] { background: #e6f6ea; }
.top > .state.active[data-state=failed], .top > .state.active[data-state=timedOut], .top > .state.active[data-state=cancelled] { border-color: var(--bad); color: var(--bad); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem .75rem; margin: 0 0 .5rem; }
dt { color: var(--muted); } dd { margin: 0; }
body[data-run-status=running] #run-status { color: var(--run); font-weight: 600; }
body[data-run-status=waiting] #run-status { color: var(--wait); font-weight: 600; }
body[data-run-status=failed] #run-status, body[data-run-status=cancelled] #run-status { color: var(--bad); font-weight: 600; }
#prompt-form { border: 2px solid var(--wait); border-radius: 6px; padding: .5rem; background: #fffaf0; }
#prompt-text { margin: 0 0 .3rem; font-weight: 600; }
#timeline { margin: 0; padding-left: 1.8rem; max-height: 70vh; overflow: auto; }
#timeline li { margin: .15rem 0; }
#timeline summary { cursor: pointer; }
#timeline .meta { color: var(--muted); font-size: 12px; margin-left: .35rem; }
#timeline li[data-type^=Step] summary { color: var(--muted); }
#runs { list-style: none; margin: 0; padding: 0; }
#runs li { display: flex; gap: .5rem; align-items: center; padding: .15rem 0; border-bottom: 1px solid #eef; }
#runs button { padding: 0 .4rem; font-family: ui-monospace, monospace; font-size: 12px; }
#runs .current button { font-weight: 700; }
#runs .status { font-size: 12px; color: var(--muted); }
`;
}
