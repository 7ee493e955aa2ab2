import { sql } from 'kysely';
import type { Db } from '../db/create-db.js';
import type { Metrics } from '../observability/metrics.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

/** One answered request or finished task, as the history table keeps it. */
export interface HistoryRecord {
  /** Epoch ms when the request arrived (or the task finished). */
  at: number;
  requestId: string;
  taskId?: string | null;
  clientId: string;
  /** Route pattern (`/api/claude/task/:taskId`), never a raw path or query string. */
  endpoint: string;
  /** HTTP method, or `TASK` for a task's own row. */
  method: string;
  status: number;
  /** `success` or the error code answered. */
  outcome: string;
  model?: string | null;
  promptTokens?: number;
  completionTokens?: number;
  totalTokens?: number;
  latencyMs: number;
  cacheStatus?: string | null;
}

export interface RequestHistoryOptions {
  db: Db;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  retentionDays: number;
  /** False: `record` is a no-op and nothing is written. */
  enabled?: boolean;
  /** Rows held in memory at most; past it new rows are dropped and counted. */
  maxBuffered?: number;
  /** Rows per INSERT; a full batch is flushed at once instead of waiting for the timer. */
  batchSize?: number;
  flushIntervalMs?: number;
  /** How often old rows are deleted. */
  purgeIntervalMs?: number;
}

const DAY_MS = 24 * 3600 * 1000;
const PURGE_CHUNK = 10_000;

/**
 * Request history written off the request path: `record` only pushes onto a bounded array; a timer (or a
 * full batch) drains it with one multi-row INSERT (unnest of column arrays, so 14 parameters whatever the
 * batch size). At most one flush runs at a time. `stop` drains what is left.
 */
export class RequestHistory {
  private buffer: HistoryRecord[] = [];
  private flushing: Promise<void> | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private purgeTimer: NodeJS.Timeout | undefined;
  private lastWarnAt = 0;
  /** After a failed flush, automatic flushes wait until then instead of hammering a database that is away. */
  private retryAt = 0;
  private readonly maxBuffered: number;
  private readonly batchSize: number;

  constructor(private readonly options: RequestHistoryOptions) {
    this.maxBuffered = options.maxBuffered ?? 20_000;
    this.batchSize = options.batchSize ?? 1_000;
  }

  start(): void {
    if (this.options.enabled === false) return;
    this.flushTimer ??= setInterval(() => this.autoFlush(), this.options.flushIntervalMs ?? 250);
    this.flushTimer.unref();
    const purge = () => void this.purgeExpired().catch((err) => this.warn(err, 'history retention purge failed'));
    this.purgeTimer ??= setInterval(purge, this.options.purgeIntervalMs ?? 3600_000);
    this.purgeTimer.unref();
    purge();
  }

  record(row: HistoryRecord): void {
    if (this.options.enabled === false) return;
    if (this.buffer.length >= this.maxBuffered) {
      this.options.metrics.historyDropped(1);
      return;
    }
    this.buffer.push(row);
    if (this.buffer.length >= this.batchSize) this.autoFlush();
  }

  private autoFlush(): void {
    if (this.flushing || this.buffer.length === 0 || Date.now() < this.retryAt) return;
    void this.flush();
  }

  get buffered(): number {
    return this.buffer.length;
  }

  /** Writes everything buffered so far (one batch after another). Never throws. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.buffer.length === 0) return;
    this.flushing = this.drain().finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
  }

  async stop(): Promise<void> {
    clearInterval(this.flushTimer);
    clearInterval(this.purgeTimer);
    this.flushTimer = undefined;
    this.purgeTimer = undefined;
    await this.flush();
  }

  /** Deletes rows older than the retention, in chunks so no statement holds locks for long. */
  async purgeExpired(): Promise<number> {
    const cutoff = new Date(this.options.clock.now() - this.options.retentionDays * DAY_MS);
    let total = 0;
    for (;;) {
      const result = await sql<{ n: number }>`
        WITH doomed AS (SELECT id FROM request_history WHERE created_at < ${cutoff} LIMIT ${PURGE_CHUNK})
        DELETE FROM request_history WHERE id IN (SELECT id FROM doomed)`.execute(this.options.db.db);
      const n = Number(result.numAffectedRows ?? 0);
      total += n;
      if (n < PURGE_CHUNK) return total;
    }
  }

  /**
   * Writes the rows buffered when it started, not the ones that arrive meanwhile: under load those would
   * keep it looping, one small INSERT after another, instead of one batch per flush interval.
   */
  private async drain(): Promise<void> {
    let due = this.buffer.length;
    while (due > 0 && this.buffer.length > 0) {
      const batch = this.buffer.splice(0, Math.min(this.batchSize, due));
      due -= batch.length;
      try {
        await this.insert(batch);
      } catch (error) {
        // The database is away: keep what fits for the next flush, drop (and count) the rest.
        const room = Math.max(0, this.maxBuffered - this.buffer.length);
        const kept = batch.slice(0, room);
        this.buffer.push(...kept);
        if (batch.length > kept.length) this.options.metrics.historyDropped(batch.length - kept.length);
        this.retryAt = Date.now() + 1_000;
        this.warn(error, 'request history flush failed; will retry');
        return;
      }
    }
  }

  private async insert(rows: HistoryRecord[]): Promise<void> {
    const col = <T>(pick: (r: HistoryRecord) => T) => rows.map(pick);
    await sql`
      INSERT INTO request_history (created_at, request_id, task_id, client_id, endpoint, method, status, outcome,
        model, prompt_tokens, completion_tokens, total_tokens, latency_ms, cache_status)
      SELECT * FROM unnest(
        ${col((r) => new Date(r.at).toISOString())}::timestamptz[], ${col((r) => r.requestId)}::text[],
        ${col((r) => r.taskId ?? null)}::text[], ${col((r) => r.clientId)}::text[],
        ${col((r) => r.endpoint)}::text[], ${col((r) => r.method)}::text[], ${col((r) => r.status)}::int[],
        ${col((r) => r.outcome)}::text[], ${col((r) => r.model ?? null)}::text[],
        ${col((r) => r.promptTokens ?? 0)}::int[], ${col((r) => r.completionTokens ?? 0)}::int[],
        ${col((r) => r.totalTokens ?? 0)}::int[], ${col((r) => r.latencyMs)}::real[],
        ${col((r) => r.cacheStatus ?? null)}::text[])`.execute(this.options.db.db);
  }

  private warn(error: unknown, message: string): void {
    const now = this.options.clock.now();
    if (now - this.lastWarnAt < 10_000) return;
    this.lastWarnAt = now;
    this.options.logger.warn({ err: error instanceof Error ? error.message : String(error) }, message);
  }
}
