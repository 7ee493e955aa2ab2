import { sql } from 'kysely';
import type { Db } from '../db/create-db.js';
import type { QueueStats } from './check-health.js';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Queue size from pg-boss's own job table (every queue but pg-boss's internal ones), by priority, in one
 * query. Memoised for `cacheMs` so a health check and a metrics scrape in the same second share it.
 * Reads pg-boss 10's table layout (`job`: name, priority, state); checked by the health test.
 */
export function createPgBossQueueStats(options: { db: Db; bossSchema: string; cacheMs?: number }) {
  if (!SCHEMA_NAME.test(options.bossSchema)) throw new Error(`invalid schema name: ${options.bossSchema}`);
  const cacheMs = options.cacheMs ?? 1_000;
  let cached: { at: number; value: Promise<QueueStats> } | undefined;

  const read = async (): Promise<QueueStats> => {
    const { rows } = await sql<{ state: string; priority: number; n: number }>`
      SELECT state::text AS state, priority, count(*)::int AS n
      FROM ${sql.id(options.bossSchema, 'job')}
      WHERE state IN ('created', 'retry', 'active') AND name NOT LIKE '\\_\\_pgboss%'
      GROUP BY 1, 2`.execute(options.db.db);
    const stats: QueueStats = { size: 0, processing: 0, byPriority: {} };
    for (const row of rows) {
      if (row.state === 'active') {
        stats.processing += row.n;
      } else {
        stats.size += row.n;
        const key = String(row.priority);
        stats.byPriority![key] = (stats.byPriority![key] ?? 0) + row.n;
      }
    }
    return stats;
  };

  return (): Promise<QueueStats> => {
    const now = Date.now();
    if (!cached || now - cached.at >= cacheMs) {
      const value = read();
      cached = { at: now, value };
      // A failure is not remembered: the next caller asks again.
      value.catch(() => {
        if (cached?.value === value) cached = undefined;
      });
    }
    return cached.value;
  };
}
