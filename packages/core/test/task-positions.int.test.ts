import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db, migrateToLatest } from '../src/db/create-db.js';
import {
  countAhead,
  countAheadMany,
  countAheadManyQuery,
  insertTasks,
  type NewTask,
} from '../src/tasks/task-repository.js';

const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let n = 0;
const task = (priority: number): NewTask => ({
  id: `task_${++n}_${randomBytes(3).toString('hex')}`,
  jobId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  clientId: 'client_a',
  priority,
  payload: { prompt: 'p' },
  callbackUrl: undefined,
  metadata: {},
  maxRetries: 3,
});

describe('queue positions (real Postgres)', () => {
  let db: Db;
  const schema = `pos_${randomBytes(5).toString('hex')}`;
  beforeAll(async () => {
    db = createDb({ connectionString: TEST_DATABASE_URL, schema, max: 2 });
    await migrateToLatest(db);
  });
  afterAll(async () => {
    await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(db.db);
    await db.close();
  });

  it('counts for a batch exactly what countAhead counts for each task, whatever the priorities and states', async () => {
    // A backlog of mixed priorities, some of it already running or finished (those are not ahead of anyone).
    const backlog = await insertTasks(
      db.db,
      Array.from({ length: 60 }, (_, i) => task((i % 3) + 1)),
    );
    const started = backlog.filter((_, i) => i % 5 === 0).map((r) => r.id);
    await db.db.updateTable('tasks').set({ status: 'processing' }).where('id', 'in', started).execute();
    const done = backlog.filter((_, i) => i % 7 === 3).map((r) => r.id);
    await db.db.updateTable('tasks').set({ status: 'completed' }).where('id', 'in', done).execute();

    const batch = await insertTasks(db.db, [task(2), task(1), task(3), task(2), task(1), task(3), task(3)]);
    const expected = await Promise.all(batch.map((row) => countAhead(db.db, row)));
    expect(await countAheadMany(db.db, batch)).toEqual(expected);
    // High priority goes ahead of everything of lower priority that waits, in arrival order among equals.
    const queuedHigh = await db.db
      .selectFrom('tasks')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('status', '=', 'queued')
      .where('priority', '=', 1)
      .executeTakeFirstOrThrow();
    expect(expected[4]).toBe(Number(queuedHigh.n) - 1);

    // Also for tasks in the middle of the queue, and for ones no longer queued.
    const middle = backlog.slice(10, 40);
    expect(await countAheadMany(db.db, middle)).toEqual(await Promise.all(middle.map((row) => countAhead(db.db, row))));
  });

  it('counts the queue once per batch, not once per task of the batch', async () => {
    const batch = await insertTasks(db.db, [task(1), task(2), task(3), task(2), task(3)]);
    const { rows } = await sql<{
      'QUERY PLAN': unknown;
    }>`EXPLAIN (ANALYZE, FORMAT JSON) ${countAheadManyQuery(batch)}`.execute(db.db);
    // Every node that aggregates the queue by priority runs once (loops = 1), whatever the batch size.
    const nodes: { 'Node Type': string; 'Actual Loops': number; 'Group Key'?: unknown; Plans?: unknown[] }[] = [];
    const walk = (node: (typeof nodes)[number]) => {
      nodes.push(node);
      for (const child of node.Plans ?? []) walk(child as (typeof nodes)[number]);
    };
    const explained = rows[0]!['QUERY PLAN'] as { Plan: (typeof nodes)[number] }[];
    const plan = explained[0]!.Plan;
    walk(plan);
    const grouping = nodes.filter((n) => n['Group Key'] !== undefined);
    expect(grouping.length).toBeGreaterThan(0);
    for (const node of grouping) expect(node['Actual Loops']).toBe(1);
  });
});
