/** The floor: plain async functions, no framework. */
import { check, fanoutSum, stepHook, type Workload } from "../lib/measure.js";

async function inc(v: number): Promise<number> {
  stepHook.fn();
  return v + 1;
}

/** Ten awaited async calls in a row. */
async function chain10(v: number): Promise<number> {
  for (let i = 0; i < 10; i++) v = await inc(v);
  return v;
}

/** At most `n` calls of the returned wrapper run at once; the rest queue in call order. */
function limiter(n: number) {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((resolve) => queue.push(resolve));
    else active++;
    try {
      return await fn();
    } finally {
      const next = queue.shift();
      if (next)
        next(); // hand the slot straight over
      else active--;
    }
  };
}

async function job(i: number): Promise<number> {
  return i;
}

export const bare: Workload = {
  name: "bare async",
  async chain() {
    check("bare chain", await chain10(0), 10);
  },
  async fanout(n) {
    const limit = limiter(4);
    const done = await Promise.all(Array.from({ length: n }, (_, i) => limit(() => job(i))));
    let sum = 0;
    for (const i of done) sum += i;
    check(`bare fan-out ${n}`, sum, fanoutSum(n));
  },
};
