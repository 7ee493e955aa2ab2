import { sql } from 'kysely';
import type { Db } from '../db/create-db.js';
import { AppError } from '../errors/app-error.js';
import type { Clock } from '../util/clock.js';
import type { UsageCounts, UsageInput, UsageOutput } from './usage.schema.js';

const DAY_MS = 24 * 3600 * 1000;
const MAX_DAYS = 366;

export interface UsagePrincipal {
  clientId: string;
  permissions: readonly string[];
}

/** Whose usage a caller may read: its own, or anyone's for an admin. Someone else's is a 403. */
export function usageClientFor(principal: UsagePrincipal, requested: string | undefined): string {
  if (requested === undefined || requested === principal.clientId) return principal.clientId;
  if (principal.permissions.includes('admin')) return requested;
  throw new AppError('authorization_error', "Only an administrator may read another client's usage");
}

/** The UTC day range of a usage query, defaults applied and bounds checked. */
export function usageRange(input: Pick<UsageInput, 'from' | 'to'>, clock: Clock): { from: string; to: string } {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const to = input.to ?? day(clock.now());
  const from = input.from ?? day(Date.parse(to) - 29 * DAY_MS);
  const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
  if (days < 1)
    throw new AppError('invalid_request', 'from must not be after to', { details: `from ${from}, to ${to}` });
  if (days > MAX_DAYS) {
    throw new AppError('invalid_request', `The range may span at most ${MAX_DAYS} days`, {
      details: `from ${from}, to ${to}`,
    });
  }
  return { from, to };
}

interface Row extends UsageCounts {
  date: string;
  model: string | null;
}

const zero = (): UsageCounts => ({
  requests: 0,
  cachedRequests: 0,
  failedRequests: 0,
  promptTokens: 0,
  completionTokens: 0,
  totalTokens: 0,
});

function add(into: UsageCounts, row: UsageCounts): void {
  into.requests += row.requests;
  into.cachedRequests += row.cachedRequests;
  into.failedRequests += row.failedRequests;
  into.promptTokens += row.promptTokens;
  into.completionTokens += row.completionTokens;
  into.totalTokens += row.totalTokens;
}

/** Totals by day and model for one client (rows: at most days × models, so small). */
export async function readUsage(db: Db, clientId: string, range: { from: string; to: string }): Promise<UsageOutput> {
  const start = new Date(`${range.from}T00:00:00.000Z`);
  const end = new Date(Date.parse(`${range.to}T00:00:00.000Z`) + DAY_MS);
  const { rows } = await sql<Row>`
    SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS date, model,
      count(*)::int AS "requests",
      (count(*) FILTER (WHERE cache_status = 'hit'))::int AS "cachedRequests",
      (count(*) FILTER (WHERE outcome <> 'success'))::int AS "failedRequests",
      coalesce(sum(prompt_tokens), 0)::bigint AS "promptTokens",
      coalesce(sum(completion_tokens), 0)::bigint AS "completionTokens",
      coalesce(sum(total_tokens), 0)::bigint AS "totalTokens"
    FROM request_history
    WHERE client_id = ${clientId} AND created_at >= ${start} AND created_at < ${end}
    GROUP BY 1, 2 ORDER BY 1, 2 NULLS LAST`.execute(db.db);

  const totals = zero();
  const byModel = new Map<string | null, UsageCounts & { model: string | null }>();
  const byDay = new Map<string, UsageOutput['byDay'][number]>();
  for (const { date, model, ...counts } of rows) {
    add(totals, counts);
    const m = byModel.get(model) ?? { model, ...zero() };
    byModel.set(model, m);
    add(m, counts);
    const d = byDay.get(date) ?? { date, ...zero(), models: [] };
    byDay.set(date, d);
    add(d, counts);
    d.models.push({ model, ...counts });
  }
  return { clientId, ...range, totals, byModel: [...byModel.values()], byDay: [...byDay.values()] };
}
