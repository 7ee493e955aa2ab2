import { type Kysely, type Selectable, sql } from 'kysely';
import type { Database, TaskStatus, TasksTable } from '../db/schema.js';
import type { TaskSortKey } from './task.schema.js';

export type TaskRow = Selectable<TasksTable>;
export type TaskDb = Kysely<Database>;

export interface NewTask {
  id: string;
  jobId: string;
  clientId: string;
  priority: number;
  payload: unknown;
  callbackUrl: string | undefined;
  metadata: Record<string, unknown>;
  maxRetries: number;
}

const taskValues = (task: NewTask) => ({
  id: task.id,
  job_id: task.jobId,
  status: 'queued' as const,
  priority: task.priority,
  client_id: task.clientId,
  payload: JSON.stringify(task.payload),
  callback_url: task.callbackUrl ?? null,
  metadata: JSON.stringify(task.metadata),
  max_retries: task.maxRetries,
  result: null,
  error: null,
  worker_id: null,
  lease_until: null,
  progress: null,
  estimated_completion_at: null,
  started_at: null,
  completed_at: null,
});

export async function insertTask(trx: TaskDb, task: NewTask): Promise<TaskRow> {
  return trx.insertInto('tasks').values(taskValues(task)).returningAll().executeTakeFirstOrThrow();
}

/**
 * Several new tasks and their places in line, in one statement; in the order of `tasks`. `ahead` is what
 * countAhead would count once they are in: queued tasks of a higher priority, or of the same priority and
 * older. The statement's snapshot does not see its own new rows, so it counts the queue as it was (once
 * per priority, MATERIALIZED so that Postgres does not inline the count into every row), less the queued
 * tasks of each one's priority that are not older than it (a short range at the end of the index), plus
 * the new tasks ahead of it in the same batch.
 */
export async function insertTasksInLine(trx: TaskDb, tasks: NewTask[]): Promise<{ row: TaskRow; ahead: number }[]> {
  const rows = await insertInLineQuery(trx, tasks).execute();
  const byId = new Map(
    rows.map(({ ahead, ...row }) => [row.id, { row: row as TaskRow, ahead: Math.max(0, Number(ahead)) }]),
  );
  return tasks.map((t) => {
    const placed = byId.get(t.id);
    if (!placed) throw new Error(`task ${t.id} was not inserted`);
    return placed;
  });
}

/** The statement of insertTasksInLine (exported for its plan test). */
export function insertInLineQuery(trx: TaskDb, tasks: NewTask[]) {
  return trx
    .with('ins', (db) => db.insertInto('tasks').values(tasks.map(taskValues)).returningAll())
    .with(
      (cte) => cte('totals').materialized(),
      (db) =>
        db
          .selectFrom('tasks')
          .select((eb) => ['priority', eb.fn.countAll<string>().as('n')])
          .where('status', '=', 'queued')
          .groupBy('priority'),
    )
    .selectFrom('ins')
    .selectAll('ins')
    .select(
      sql<string>`(SELECT coalesce(sum(t.n), 0) FROM totals t WHERE t.priority <= ins.priority)
        - (SELECT count(*) FROM tasks a WHERE a.status = 'queued' AND a.priority = ins.priority AND a.seq >= ins.seq)
        + (SELECT count(*) FROM ins b
            WHERE b.priority < ins.priority OR (b.priority = ins.priority AND b.seq < ins.seq))`.as('ahead'),
    );
}

/** Another client's task is indistinguishable from a missing one (A9). */
export async function findTask(db: TaskDb, id: string, clientId: string): Promise<TaskRow | undefined> {
  return db.selectFrom('tasks').selectAll().where('id', '=', id).where('client_id', '=', clientId).executeTakeFirst();
}

/** Queued tasks that start before this one: higher priority, or the same priority and older. */
export async function countAhead(db: TaskDb, task: Pick<TaskRow, 'priority' | 'seq'>): Promise<number> {
  const row = await db
    .selectFrom('tasks')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'queued')
    .where((eb) =>
      eb.or([
        eb('priority', '<', task.priority),
        eb.and([eb('priority', '=', task.priority), eb('seq', '<', task.seq)]),
      ]),
    )
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const SORT_COLUMNS = {
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  startedAt: 'started_at',
  completedAt: 'completed_at',
  priority: 'priority',
  status: 'status',
} as const satisfies Record<TaskSortKey, keyof TasksTable>;

export interface ListQuery {
  clientId: string;
  status: TaskStatus | undefined;
  page: number;
  limit: number;
  sortBy: TaskSortKey;
  sortOrder: 'asc' | 'desc';
}

/** One page and the exact total; queued rows carry their position (an index-only count each). */
export async function selectTaskPage(
  db: TaskDb,
  q: ListQuery,
): Promise<{ rows: (TaskRow & { position: number | null })[]; total: number }> {
  let base = db.selectFrom('tasks').where('client_id', '=', q.clientId);
  if (q.status) base = base.where('status', '=', q.status);
  const column = SORT_COLUMNS[q.sortBy];
  const nulls = q.sortOrder === 'asc' ? sql`NULLS FIRST` : sql`NULLS LAST`;
  const [rows, count] = await Promise.all([
    base
      .selectAll('tasks')
      .select(
        sql<number | null>`CASE WHEN tasks.status = 'queued' THEN (
          SELECT count(*) FROM tasks a WHERE a.status = 'queued'
            AND (a.priority < tasks.priority OR (a.priority = tasks.priority AND a.seq < tasks.seq))
        ) END`.as('position'),
      )
      .orderBy(sql`${sql.ref(column)} ${sql.raw(q.sortOrder)} ${nulls}`)
      .orderBy('seq', q.sortOrder)
      .limit(q.limit)
      .offset((q.page - 1) * q.limit)
      .execute(),
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return {
    rows: rows.map((r) => ({ ...r, position: r.position === null ? null : Number(r.position) })),
    total: Number(count.n),
  };
}

/** Locks the client's task for a state change (cancel). */
export async function lockTask(trx: TaskDb, id: string, clientId: string): Promise<TaskRow | undefined> {
  return trx
    .selectFrom('tasks')
    .selectAll()
    .where('id', '=', id)
    .where('client_id', '=', clientId)
    .forUpdate()
    .executeTakeFirst();
}

export async function markCancelled(trx: TaskDb, id: string): Promise<TaskRow> {
  return trx
    .updateTable('tasks')
    .set({
      status: 'cancelled',
      completed_at: sql`now()`,
      updated_at: sql`now()`,
      lease_until: null,
      estimated_completion_at: null,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Deletes finished tasks older than `before`, a bounded batch at a time; returns rows removed. */
export async function purgeFinished(db: TaskDb, before: Date, batch = 5_000): Promise<number> {
  const result = await db
    .deleteFrom('tasks')
    .where(
      'id',
      'in',
      db
        .selectFrom('tasks')
        .select('id')
        .where('status', 'in', ['completed', 'failed', 'cancelled'])
        .where('completed_at', '<', before)
        .limit(batch),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
