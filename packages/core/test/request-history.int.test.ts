import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db, migrateToLatest } from '../src/db/create-db.js';
import { type HistoryRecord, RequestHistory } from '../src/history/request-history.js';
import { type Metrics, noopMetrics } from '../src/observability/metrics.js';
import { manualClock } from '../src/util/clock.js';
import { silentLogger } from '../src/util/logger.js';

const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const row = (i: number): HistoryRecord => ({
  at: Date.UTC(2026, 0, 1) + i,
  requestId: `req-${i}`,
  clientId: 'client_a',
  endpoint: '/api/claude/query',
  method: 'POST',
  status: 200,
  outcome: 'success',
  model: 'claude-sonnet-4-6',
  promptTokens: 3,
  completionTokens: 4,
  totalTokens: 7,
  latencyMs: 1.5,
  cacheStatus: 'miss',
});

describe('RequestHistory (real Postgres)', () => {
  let db: Db;
  const schema = `h_${randomBytes(5).toString('hex')}`;
  beforeAll(async () => {
    db = createDb({ connectionString: TEST_DATABASE_URL, schema, max: 2 });
    await migrateToLatest(db);
  });
  afterAll(async () => {
    await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(db.db);
    await db.close();
  });

  const count = async () =>
    (await sql<{ n: number }>`SELECT count(*)::int AS n FROM request_history`.execute(db.db)).rows[0]?.n;

  it('writes in batches and, past its bound, drops and counts instead of growing', async () => {
    let dropped = 0;
    const metrics: Metrics = { ...noopMetrics, historyDropped: (n) => (dropped += n) };
    // Not started: no timer, so only an explicit flush (or a full batch) writes.
    const history = new RequestHistory({
      db,
      clock: manualClock(),
      logger: silentLogger,
      metrics,
      retentionDays: 30,
      maxBuffered: 50,
      batchSize: 1_000,
    });
    for (let i = 0; i < 60; i++) history.record(row(i));
    expect(history.buffered).toBe(50);
    expect(dropped).toBe(10);
    await history.flush();
    expect(history.buffered).toBe(0);
    expect(await count()).toBe(50);
    const stored = await sql<Record<string, unknown>>`SELECT * FROM request_history WHERE request_id = 'req-7'`.execute(
      db.db,
    );
    expect(stored.rows[0]).toMatchObject({
      client_id: 'client_a',
      model: 'claude-sonnet-4-6',
      prompt_tokens: 3,
      completion_tokens: 4,
      total_tokens: 7,
      latency_ms: 1.5,
      cache_status: 'miss',
      task_id: null,
    });
    expect((stored.rows[0]!.created_at as Date).toISOString()).toBe('2026-01-01T00:00:00.007Z');
  });

  it('flushes a full batch without waiting for the timer', async () => {
    const before = await count();
    const history = new RequestHistory({
      db,
      clock: manualClock(),
      logger: silentLogger,
      metrics: noopMetrics,
      retentionDays: 30,
      batchSize: 5,
    });
    for (let i = 100; i < 104; i++) history.record(row(i));
    expect(history.buffered).toBe(4);
    history.record(row(104));
    // No timer runs (not started): only the full batch can have triggered this write.
    const deadline = Date.now() + 5_000;
    while ((await count()) !== (before ?? 0) + 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await count()).toBe((before ?? 0) + 5);
    expect(history.buffered).toBe(0);
  });
});
