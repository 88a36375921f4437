/** The test PostgreSQL server: `STEPCHART_PG_URL` (set by .ci/run), or none (its suites are skipped). */
import { randomUUID } from "node:crypto";

export const pgUrl = process.env.STEPCHART_PG_URL;

/** Why the PostgreSQL suites did not run, for their titles. */
export const pgSkipReason = pgUrl ? "" : " (not run: STEPCHART_PG_URL is not set; .ci/run starts a server and sets it)";

/** A fresh schema name, so every store under test starts empty. */
export function freshSchema(): string {
  return `t_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
}
