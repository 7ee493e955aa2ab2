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

/** Several tasks in one statement; the rows come back in the order of `tasks`. */
export async function insertTasks(trx: TaskDb, tasks: NewTask[]): Promise<TaskRow[]> {
  const rows = await trx.insertInto('tasks').values(tasks.map(taskValues)).returningAll().execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  return tasks.map((t) => {
    const row = byId.get(t.id);
    if (!row) throw new Error(`task ${t.id} was not inserted`);
    return row;
  });
}

/**
 * countAhead for a batch of new tasks in one statement. The queue is counted once per priority (an
 * index-only scan), and each task subtracts the queued tasks of its own priority that are not older than it
 * (a short range at the end of the index), instead of counting everything ahead of each task: with a
 * backlog of thousands, that was thousands of index entries read per task of the batch.
 */
export async function countAheadMany(db: TaskDb, tasks: Pick<TaskRow, 'id' | 'priority' | 'seq'>[]): Promise<number[]> {
  if (tasks.length === 1) return [await countAhead(db, tasks[0]!)];
  const { rows } = await countAheadManyQuery(tasks).execute(db);
  const byId = new Map(rows.map((r) => [r.id, Math.max(0, Number(r.n))]));
  return tasks.map((t) => byId.get(t.id) ?? 0);
}

/** The statement of countAheadMany. MATERIALIZED: Postgres would otherwise inline the totals into every row. */
export function countAheadManyQuery(tasks: Pick<TaskRow, 'id' | 'priority' | 'seq'>[]) {
  return sql<{ id: string; n: string }>`
    WITH totals AS MATERIALIZED (
      SELECT priority, count(*) AS n FROM tasks WHERE status = 'queued' GROUP BY priority
    )
    SELECT x.id,
      (SELECT coalesce(sum(t.n), 0) FROM totals t WHERE t.priority <= x.priority)
      - (SELECT count(*) FROM tasks a WHERE a.status = 'queued' AND a.priority = x.priority AND a.seq >= x.seq) AS n
    FROM unnest(${tasks.map((t) => t.id)}::text[], ${tasks.map((t) => t.priority)}::int[],
                ${tasks.map((t) => String(t.seq))}::bigint[]) AS x(id, priority, seq)`;
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
