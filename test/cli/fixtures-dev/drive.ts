/**
 * Driving the dev app from a test without the page: its API through `app.fetch` (in-process) or
 * over HTTP (a `stepchart dev` process), and reading a process's output.
 */

/** A request to the API at `path`: through an app's fetch handler, or over HTTP. */
export type Api = (path: string, init?: RequestInit) => Promise<Response>;

export const appApi =
  (app: { fetch(request: Request): Response | Promise<Response> }): Api =>
  async (path, init) =>
    app.fetch(new Request(`http://dev${path}`, init));

export const httpApi =
  (origin: string): Api =>
  (path, init) =>
    fetch(`${origin}${path}`, init);

const json = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify(body),
});

/** Starts a run of the review fixture, and returns its id. */
export async function startReview(api: Api, title: string): Promise<string> {
  const response = await api(
    "/workflows/review/run-nowait",
    json({ start_event: { title, words: 1, tone: "plain", urgent: false } }),
  );
  return ((await response.json()) as { handler_id: string }).handler_id;
}

/** Reads a run's stream from its start until an item of `type` has come. */
export async function streamUntil(api: Api, runId: string, type: string): Promise<void> {
  const response = await api(`/events/${runId}?after_sequence=-1`);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes(`"type":"${type}"`)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the stream of ${runId} ended without ${type}: ${text}`);
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
}

/** Answers a run's prompt. */
export async function answer(api: Api, runId: string, response: string): Promise<void> {
  const sent = await api(`/events/${runId}`, json({ event: { type: "HumanResponseEvent", value: { response } } }));
  if (!sent.ok) throw new Error(`answering ${runId}: ${sent.status} ${await sent.text()}`);
}

/** Resolves with the match once `pattern` appears in what `stream` says from now on. */
export function outputMatching(stream: NodeJS.ReadableStream, pattern: RegExp): Promise<RegExpMatchArray> {
  let text = "";
  return new Promise((resolve, reject) => {
    stream.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      const match = pattern.exec(text);
      if (match) resolve(match);
    });
    stream.on("end", () => reject(new Error(`the output ended without ${pattern}: ${text}`)));
  });
}
