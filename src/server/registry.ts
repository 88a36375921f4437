import { isWorkflowError } from "../errors.js";
import type { AnyEvent } from "../events/types.js";
import type { WorkflowHandler } from "../runtime/handler.js";
import { type EventEnvelope, toEnvelope } from "./envelope.js";
import { publicMessage } from "./errors.js";

/** A handler's status, as the API names them. */
export type HandlerStatus = "running" | "completed" | "failed" | "cancelled";

/** The Handler object of the API. */
export interface HandlerJson {
  readonly handler_id: string;
  readonly workflow_name: string;
  readonly run_id: string;
  readonly status: HandlerStatus;
  readonly started_at: string;
  readonly updated_at: string | null;
  readonly completed_at: string | null;
  readonly error: string | null;
  /** The StopEvent's envelope, once the run completed. */
  readonly result: EventEnvelope | null;
}

/** What the server knows of one run it started. */
export class HandlerEntry {
  readonly id: string;
  readonly workflowName: string;
  readonly handler: WorkflowHandler<unknown, never>;
  readonly startedAt = new Date();
  updatedAt = this.startedAt;
  completedAt: Date | undefined;
  status: HandlerStatus = "running";
  error: string | undefined;
  /** The WorkflowError code of a failed or cancelled run. */
  errorCode: string | undefined;
  stop: AnyEvent | undefined;
  /** Settles (never rejects) once the status is final, the run's stream complete. */
  readonly done: Promise<void>;
  /** A run resumed here from the store: positions before its resume may be lost, not unreached. */
  readonly resumed: boolean;

  constructor(id: string, workflowName: string, handler: WorkflowHandler<unknown, never>, resumed = false) {
    this.id = id;
    this.resumed = resumed;
    this.workflowName = workflowName;
    this.handler = handler;
    this.done = handler.stopEvent.then(
      (stop) => this.#finish("completed", stop),
      (error: unknown) =>
        this.#finish(isWorkflowError(error) && error.code === "CANCELLED" ? "cancelled" : "failed", undefined, error),
    );
  }

  /** The position the next item of a view takes: a reader asking for "now" starts there. */
  end(all: boolean): number {
    return this.handler.nextStreamPosition({ all });
  }

  touch(): void {
    this.updatedAt = new Date();
  }

  #finish(status: HandlerStatus, stop: AnyEvent | undefined, error?: unknown): void {
    this.status = status;
    this.stop = stop;
    if (status === "failed") this.error = isWorkflowError(error) ? publicMessage(error) : "The run failed";
    if (error !== undefined) this.errorCode = isWorkflowError(error) ? error.code : "STEP_FAILED";
    this.completedAt = new Date();
    this.updatedAt = this.completedAt;
  }

  toJson(): HandlerJson {
    return {
      handler_id: this.id,
      workflow_name: this.workflowName,
      run_id: this.handler.runId,
      status: this.status,
      started_at: this.startedAt.toISOString(),
      updated_at: this.updatedAt.toISOString(),
      completed_at: this.completedAt?.toISOString() ?? null,
      error: this.error ?? null,
      result: this.stop ? toEnvelope(this.stop) : null,
    };
  }
}

/** The runs this server started, by handler id (the run id). In memory: a restart forgets them. */
export class HandlerRegistry {
  readonly #entries = new Map<string, HandlerEntry>();
  /** Ended entries, oldest end first: beyond `#keepEnded`, the oldest is forgotten. */
  readonly #ended = new Set<HandlerEntry>();
  readonly #keepEnded: number;

  /** `keepEnded`: how many ended runs to keep (their Handler and the tail of their stream). */
  constructor(keepEnded: number) {
    this.#keepEnded = keepEnded;
  }

  add(workflowName: string, handler: WorkflowHandler<unknown, never>, resumed = false): HandlerEntry {
    const entry = new HandlerEntry(handler.runId, workflowName, handler, resumed);
    this.#entries.set(entry.id, entry);
    void entry.done.then(() => this.#forgetBeyond(entry));
    return entry;
  }

  /** A long-lived server must not hold every run it ever ran: past the limit, the oldest ended goes. */
  #forgetBeyond(ended: HandlerEntry): void {
    if (this.#entries.get(ended.id) !== ended) return;
    this.#ended.add(ended);
    for (const oldest of this.#ended) {
      if (this.#ended.size <= this.#keepEnded) break;
      this.#ended.delete(oldest);
      if (this.#entries.get(oldest.id) === oldest) this.#entries.delete(oldest.id);
    }
  }

  /**
   * Adds a run kept in a store. Once another runner takes it over (its handler ends with
   * `WORKFLOW_STATE`), or when a run taken from the store (`resumed`) fails to load, its entry
   * goes: the store describes the run from then on, and a stale `failed` entry would shadow it.
   */
  addStored(
    workflowName: string,
    handler: WorkflowHandler<unknown, never>,
    options: { readonly resumed?: boolean } = {},
  ): HandlerEntry {
    const entry = this.add(workflowName, handler, options.resumed === true);
    const drop = () => {
      if (this.#entries.get(entry.id) === entry) this.delete(entry.id);
    };
    // A run this server failed to take from the store (claimed elsewhere, ended meanwhile, the
    // store down) is not this server's to describe: the record is.
    if (options.resumed) void handler.loaded.then((opened) => opened || drop());
    void entry.done.then(() => entry.errorCode === "WORKFLOW_STATE" && drop());
    return entry;
  }

  get(id: string): HandlerEntry | undefined {
    return this.#entries.get(id);
  }

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  delete(id: string): void {
    const entry = this.#entries.get(id);
    if (entry) this.#ended.delete(entry);
    this.#entries.delete(id);
  }

  /** Entries in start order, keeping those whose status and workflow are among the given ones. */
  list(filter: { status?: readonly string[] | undefined; workflow?: readonly string[] | undefined }): HandlerEntry[] {
    return [...this.#entries.values()].filter(
      (e) =>
        (!filter.status?.length || filter.status.includes(e.status)) &&
        (!filter.workflow?.length || filter.workflow.includes(e.workflowName)),
    );
  }
}
