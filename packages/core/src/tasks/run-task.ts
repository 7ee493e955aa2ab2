import { mapUpstreamError } from '../claude/map-upstream-error.js';
import { QUERY_DEFAULTS } from '../query/map-request.js';
import type { QueryInput } from '../query/query.schema.js';
import { type QueryResult, runQuery } from '../query/run-query.js';
import { type Claim, type FinalState, recordRetry, saveProgress } from './task-claims.js';
import type { TaskDeps } from './task-deps.js';
import type { TaskRow } from './task-repository.js';

/** Why a running task's signal was aborted. */
export type AbortReason = 'cancelled' | 'lost' | 'shutdown';

/** Throttled progress writes: output tokens / maxTokens, and a completion estimate from the token rate. */
function progressWriter(deps: TaskDeps, claim: Claim, maxTokens: number) {
  let firstAt = 0;
  let lastWrite = deps.clock.now();
  let writing: Promise<void> = Promise.resolve();
  let busy = false;
  return {
    onProgress(tokens: number): void {
      const now = deps.clock.now();
      if (firstAt === 0) firstAt = now;
      if (busy || now - lastWrite < deps.config.progressIntervalMs || tokens <= 0) return;
      lastWrite = now;
      // Below 1 until the answer is stored: generation can stop early, never late.
      const progress = Math.min(0.99, tokens / maxTokens);
      const perToken = (now - firstAt) / tokens;
      const eta = perToken > 0 ? new Date(now + Math.round((maxTokens - tokens) * perToken)) : null;
      busy = true;
      writing = saveProgress(deps.db, claim, progress, eta)
        .catch((err) => deps.logger.debug({ err: (err as Error).message, taskId: claim.id }, 'progress not saved'))
        .finally(() => {
          busy = false;
        });
    },
    settled: () => writing,
  };
}

/** A Postgres error about the data written (SQLSTATE class 22, data exception; 54, program limit exceeded). */
function refusedValue(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('54'));
}

/**
 * Q3–Q5 for one claimed task: the E1 pipeline (cache included) over a streaming upstream call, with
 * the task's own retry budget (maxRetries - retries so far, so a recovered task does not start over),
 * then the fenced final write and the final-state hook in one transaction.
 */
export async function runTask(deps: TaskDeps, row: TaskRow, signal: AbortSignal): Promise<FinalState | undefined> {
  const claim: Claim = { id: row.id, deliveries: row.deliveries };
  const input = row.payload as QueryInput;
  const progress = progressWriter(deps, claim, input.parameters?.maxTokens ?? QUERY_DEFAULTS.maxTokens);
  let retryWrites: Promise<void> = Promise.resolve();
  const base = deps.query;
  const startedAt = deps.clock.now();
  let state: FinalState;
  let answered: QueryResult | undefined;
  try {
    const result = await runQuery(
      {
        ...base,
        retryPolicy: { ...base.retryPolicy, maxAttempts: Math.max(0, row.max_retries - row.retries) + 1 },
        retryDeps: {
          ...base.retryDeps,
          onRetry: (error, attempt, delayMs) => {
            base.retryDeps?.onRetry?.(error, attempt, delayMs);
            retryWrites = retryWrites.then(() => recordRetry(deps.db, claim)).catch(() => {});
          },
        },
      },
      input,
      { clientId: row.client_id, signal, onProgress: progress.onProgress },
    );
    answered = result;
    state = { status: 'completed', result: result.output };
  } catch (error) {
    if (signal.aborted) return undefined;
    const app = mapUpstreamError(error);
    if (app.code === 'internal_server_error') deps.logger.error({ err: error, taskId: row.id }, 'task failed');
    state = {
      status: 'failed',
      error: { code: app.code, message: app.message, ...(app.details !== undefined ? { details: app.details } : {}) },
    };
  }
  await Promise.all([retryWrites, progress.settled()]);
  if (signal.aborted) return undefined;
  let finished: TaskRow | undefined;
  try {
    finished = await deps.finisher.finish(claim, state, row);
  } catch (error) {
    if (state.status !== 'completed' || !refusedValue(error)) throw error;
    // Postgres refuses the answer itself (a value it cannot store, a row too large): the task fails now,
    // once, instead of being re-run (and billed) each time its lease runs out.
    deps.logger.error({ err: error, taskId: row.id }, 'task result could not be stored');
    state = {
      status: 'failed',
      error: { code: 'internal_server_error', message: 'The answer could not be stored' },
    };
    finished = await deps.finisher.finish(claim, state, row);
  }
  // Observed once the final state is committed; a lost fence means another worker owns the task.
  if (finished) {
    deps.observer.finished({
      row: finished,
      status: state.status,
      outcome: state.status === 'completed' ? 'success' : state.error.code,
      model: answered?.output.metadata.model ?? input.parameters?.model ?? null,
      usage: answered?.output.usage,
      cacheStatus: answered?.cacheStatus,
      durationMs: deps.clock.now() - startedAt,
    });
  }
  return state;
}
