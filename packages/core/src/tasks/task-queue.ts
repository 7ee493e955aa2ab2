import { CompiledQuery, type Kysely } from 'kysely';
import type PgBoss from 'pg-boss';

/** The pg-boss queue every Claude task goes through. */
export const TASK_QUEUE = 'claude-tasks';

/** Something that can run SQL: the pool or a caller's transaction. */
export type SqlRunner = Pick<Kysely<unknown>, 'executeQuery'>;

export interface TaskJob {
  id: string;
  taskId: string;
  /** Our priority (1 high .. 3 low); a batch comes back unordered, so it is sorted again locally. */
  priority: number;
}

/** pg-boss runs its SQL on whatever `executeSql` it is given: here a kysely connection or transaction. */
export function sqlExecutor(runner: SqlRunner) {
  return {
    async executeSql(text: string, values?: unknown[]) {
      const result = await runner.executeQuery(CompiledQuery.raw(text, values ?? []));
      return { rows: result.rows as Record<string, unknown>[] };
    },
  };
}

type Executor = ReturnType<typeof sqlExecutor>;

/**
 * pg-boss 10.4.2 as it runs (its typings omit `db` on some calls and the `data` argument of `complete`).
 */
interface BossRuntime {
  createQueue(name: string, options: Record<string, unknown>): Promise<void>;
  send(name: string, data: object, options: Record<string, unknown>): Promise<string | null>;
  insert(
    jobs: { id: string; name: string; data: object; priority: number }[],
    options: { db: Executor },
  ): Promise<string[] | null>;
  fetch(name: string, options: { batchSize: number; db: Executor }): Promise<{ id: string; data: JobData }[]>;
  complete(name: string, ids: string[], data: null, options: { db: Executor }): Promise<unknown>;
  cancel(name: string, ids: string[], options: { db: Executor }): Promise<unknown>;
}

interface JobData {
  taskId: string;
  priority: number;
}

/** pg-boss fetches the highest number first; our 1 (high) must go first. */
export const bossPriority = (priority: number): number => 4 - priority;

/**
 * The slice of pg-boss the tasks need. pg-boss only dispatches: the task row is the state of record,
 * and a job is finished as soon as a worker has claimed its task (crash recovery is the task lease).
 */
export class TaskQueue {
  private readonly boss: BossRuntime;

  constructor(
    boss: PgBoss,
    private readonly runner: SqlRunner,
    private readonly options: { expireInSeconds: number },
  ) {
    this.boss = boss as unknown as BossRuntime;
  }

  /** Idempotent; must run before the first send (v10 `send` to a missing queue returns null silently). */
  async ensure(): Promise<void> {
    await this.boss.createQueue(TASK_QUEUE, {
      name: TASK_QUEUE,
      // A job fetched by a worker that died before claiming its task comes back after expiry.
      expireInSeconds: this.options.expireInSeconds,
      retryLimit: 20,
      retryDelay: 0,
    });
  }

  /** Enqueues inside the caller's transaction: the job exists exactly when the task row does. */
  async send(trx: SqlRunner, job: TaskJob): Promise<void> {
    const data: JobData = { taskId: job.taskId, priority: job.priority };
    const id = await this.boss.send(TASK_QUEUE, data, {
      id: job.id,
      priority: bossPriority(job.priority),
      db: sqlExecutor(trx),
    });
    if (id === null) throw new Error(`pg-boss refused the job for ${job.taskId} (queue ${TASK_QUEUE} missing?)`);
  }

  /**
   * Several jobs in one statement, inside the caller's transaction (the batched enqueue). pg-boss's bulk
   * insert reports nothing back; the queue it joins on is created at start (`ensure`) and never dropped.
   */
  async sendMany(trx: SqlRunner, jobs: TaskJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.boss.insert(
      jobs.map((job) => ({
        id: job.id,
        name: TASK_QUEUE,
        data: { taskId: job.taskId, priority: job.priority } satisfies JobData,
        priority: bossPriority(job.priority),
      })),
      { db: sqlExecutor(trx) },
    );
  }

  /** Up to `max` jobs, highest priority then oldest first. */
  async fetch(max: number): Promise<TaskJob[]> {
    const jobs = await this.boss.fetch(TASK_QUEUE, { batchSize: max, db: sqlExecutor(this.runner) });
    return (jobs ?? [])
      .map((j) => ({ id: j.id, taskId: j.data.taskId, priority: j.data.priority }))
      .sort((a, b) => a.priority - b.priority);
  }

  async complete(ids: string[], trx: SqlRunner = this.runner): Promise<void> {
    if (ids.length) await this.boss.complete(TASK_QUEUE, ids, null, { db: sqlExecutor(trx) });
  }

  async cancel(ids: string[], trx: SqlRunner = this.runner): Promise<void> {
    if (ids.length) await this.boss.cancel(TASK_QUEUE, ids, { db: sqlExecutor(trx) });
  }
}
