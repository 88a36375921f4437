import type { AnyEvent } from "../events/types.js";
import type { Draft } from "./draft.js";
import { append, drop, emptyFifo, type Fifo, fifoSize } from "./fifo.js";
import type { CollectSpec } from "./protocol.js";

/**
 * Fan-in: buffers `event` in the step's buffer and, when every expected event is there, takes
 * exactly those (oldest first per type) and returns them in the expected order. Extras stay.
 */
export function collect(d: Draft, step: string, event: AnyEvent, spec: CollectSpec): AnyEvent[] | null {
  const buffer = { ...(d.buffers[step] ?? {}) };
  buffer[event.type] = append(buffer[event.type] ?? emptyFifo(), event);
  d.buffers[step] = buffer;
  for (const [type, count] of spec.counts) if (fifoSize(buffer[type] ?? emptyFifo()) < count) return null;
  const taken = new Map<string, AnyEvent[]>();
  for (const [type, count] of spec.counts) {
    const log = buffer[type] as Fifo<AnyEvent>;
    taken.set(type, log.items.slice(log.head, log.head + count) as AnyEvent[]);
    const rest = drop(log, count);
    if (fifoSize(rest) === 0) delete buffer[type];
    else buffer[type] = rest;
  }
  if (spec.order === null) return spec.counts.flatMap(([type]) => taken.get(type) ?? []);
  const cursor = new Map<string, number>();
  return spec.order.map((type) => {
    const i = cursor.get(type) ?? 0;
    cursor.set(type, i + 1);
    return (taken.get(type) as AnyEvent[])[i] as AnyEvent;
  });
}
