import { sql } from 'kysely';
import type { TaskJob } from './task-queue.js';
import type { TaskDb, TaskRow } from './task-repository.js';

/** A worker's hold on a task: `deliveries` at claim time fences every later write. */
export interface Claim {
  id: string;
  deliveries: number;
}

const ms = (value: number) => sql`(${value}::double precision * interval '1 millisecond')`;

/** Claims the tasks behind fetched jobs; a job whose task was cancelled or re-queued claims nothing. */
export async function claimTasks(db: TaskDb, jobs: TaskJob[], workerId: string, leaseMs: number): Promise<TaskRow[]> {
  if (jobs.length === 0) return [];
  const result = await sql<TaskRow>`
    UPDATE tasks t SET status = 'processing', worker_id = ${workerId}, lease_until = now() + ${ms(leaseMs)},
      deliveries = t.deliveries + 1, started_at = now(), updated_at = now(), progress = 0,
      estimated_completion_at = NULL
    FROM unnest(${jobs.map((j) => j.taskId)}::text[], ${jobs.map((j) => j.id)}::uuid[]) AS j(id, job_id)
    WHERE t.id = j.id AND t.job_id = j.job_id AND t.status = 'queued'
    RETURNING t.*`.execute(db);
  return result.rows;
}

/** Extends the leases still held; returns the ids held (a missing one was cancelled or taken over). */
export async function renewLeases(db: TaskDb, claims: Claim[], leaseMs: number): Promise<Set<string>> {
  if (claims.length === 0) return new Set();
  const result = await sql<{ id: string }>`
    UPDATE tasks t SET lease_until = now() + ${ms(leaseMs)}
    FROM unnest(${claims.map((c) => c.id)}::text[], ${claims.map((c) => c.deliveries)}::int[]) AS c(id, d)
    WHERE t.id = c.id AND t.deliveries = c.d AND t.status = 'processing'
    RETURNING t.id`.execute(db);
  return new Set(result.rows.map((r) => r.id));
}

export async function saveProgress(db: TaskDb, claim: Claim, progress: number, eta: Date | null): Promise<void> {
  await db
    .updateTable('tasks')
    .set({ progress, estimated_completion_at: eta, updated_at: sql`now()` })
    .where('id', '=', claim.id)
    .where('deliveries', '=', claim.deliveries)
    .where('status', '=', 'processing')
    .execute();
}

export async function recordRetry(db: TaskDb, claim: Claim): Promise<void> {
  await db
    .updateTable('tasks')
    .set((eb) => ({ retries: eb('retries', '+', 1), updated_at: sql`now()` }))
    .where('id', '=', claim.id)
    .where('deliveries', '=', claim.deliveries)
    .where('status', '=', 'processing')
    .execute();
}

export type FinalState =
  | { status: 'completed'; result: unknown }
  | { status: 'failed'; error: { code: string; message: string; details?: unknown } };

/** The fenced final write: nothing happens unless this claim still holds the task. */
export async function finishTask(trx: TaskDb, claim: Claim, state: FinalState): Promise<TaskRow | undefined> {
  return trx
    .updateTable('tasks')
    .set({
      status: state.status,
      result: state.status === 'completed' ? JSON.stringify(state.result) : null,
      error: state.status === 'failed' ? JSON.stringify(state.error) : null,
      progress: state.status === 'completed' ? 1 : null,
      completed_at: sql`now()`,
      updated_at: sql`now()`,
      lease_until: null,
      estimated_completion_at: null,
    })
    .where('id', '=', claim.id)
    .where('deliveries', '=', claim.deliveries)
    .where('status', '=', 'processing')
    .returningAll()
    .executeTakeFirst();
}

/**
 * finishTask for several claims in one statement; the rows whose fence held come back (in no particular
 * order), the others were cancelled or taken over.
 */
export async function finishTasks(trx: TaskDb, items: { claim: Claim; state: FinalState }[]): Promise<TaskRow[]> {
  if (items.length === 0) return [];
  const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));
  const result = await sql<TaskRow>`
    UPDATE tasks t SET status = f.status, result = f.result::jsonb, error = f.error::jsonb,
      progress = CASE WHEN f.status = 'completed' THEN 1 ELSE NULL END,
      completed_at = now(), updated_at = now(), lease_until = NULL, estimated_completion_at = NULL
    FROM unnest(
      ${items.map((i) => i.claim.id)}::text[],
      ${items.map((i) => i.claim.deliveries)}::int[],
      ${items.map((i) => i.state.status)}::text[],
      ${items.map((i) => (i.state.status === 'completed' ? json(i.state.result) : null))}::text[],
      ${items.map((i) => (i.state.status === 'failed' ? json(i.state.error) : null))}::text[]
    ) AS f(id, d, status, result, error)
    WHERE t.id = f.id AND t.deliveries = f.d AND t.status = 'processing'
    RETURNING t.*`.execute(trx);
  return result.rows;
}

/** Tasks whose worker stopped renewing its lease, locked for the sweeper. */
export async function lockExpired(trx: TaskDb, limit: number): Promise<TaskRow[]> {
  return trx
    .selectFrom('tasks')
    .selectAll()
    .where('status', '=', 'processing')
    .where('lease_until', '<', sql<Date>`now()`)
    .orderBy('lease_until')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

export async function requeue(trx: TaskDb, id: string, jobId: string): Promise<void> {
  await trx
    .updateTable('tasks')
    .set({
      status: 'queued',
      job_id: jobId,
      worker_id: null,
      lease_until: null,
      progress: null,
      estimated_completion_at: null,
      started_at: null,
      updated_at: sql`now()`,
    })
    .where('id', '=', id)
    .execute();
}

/** Marks this worker alive with its slot count; workers unseen for `staleMs` no longer count. */
export async function touchWorker(db: TaskDb, id: string, concurrency: number, staleMs: number): Promise<void> {
  await sql`
    WITH up AS (
      INSERT INTO task_workers (id, concurrency, seen_at) VALUES (${id}, ${concurrency}, now())
      ON CONFLICT (id) DO UPDATE SET concurrency = EXCLUDED.concurrency, seen_at = now()
    )
    DELETE FROM task_workers WHERE seen_at < now() - ${ms(staleMs * 10)}`.execute(db);
}

export async function removeWorker(db: TaskDb, id: string): Promise<void> {
  await db.deleteFrom('task_workers').where('id', '=', id).execute();
}
