import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db, migrateToLatest } from '../src/db/create-db.js';
import { countAhead, insertInLineQuery, insertTasksInLine, type NewTask } from '../src/tasks/task-repository.js';

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

  it('answers for a batch exactly what countAhead counts for each task once it is in, whatever the priorities and states', async () => {
    // A backlog of mixed priorities, some of it already running or finished (those are not ahead of anyone).
    const backlog = (
      await insertTasksInLine(
        db.db,
        Array.from({ length: 60 }, (_, i) => task((i % 3) + 1)),
      )
    ).map((p) => p.row);
    const started = backlog.filter((_, i) => i % 5 === 0).map((r) => r.id);
    await db.db.updateTable('tasks').set({ status: 'processing' }).where('id', 'in', started).execute();
    const done = backlog.filter((_, i) => i % 7 === 3).map((r) => r.id);
    await db.db.updateTable('tasks').set({ status: 'completed' }).where('id', 'in', done).execute();

    const batch = await insertTasksInLine(db.db, [task(2), task(1), task(3), task(2), task(1), task(3), task(3)]);
    const expected = await Promise.all(batch.map(({ row }) => countAhead(db.db, row)));
    expect(batch.map((p) => p.ahead)).toEqual(expected);
    expect(new Set(expected).size).toBe(expected.length);
    // High priority goes ahead of everything of lower priority that waits, in arrival order among equals.
    const queuedHigh = await db.db
      .selectFrom('tasks')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('status', '=', 'queued')
      .where('priority', '=', 1)
      .executeTakeFirstOrThrow();
    expect(batch[4]?.ahead).toBe(Number(queuedHigh.n) - 1);
    // A lone task too.
    const [lone] = await insertTasksInLine(db.db, [task(2)]);
    expect(lone?.ahead).toBe(await countAhead(db.db, lone!.row));
  });

  it('counts the queue once per batch, not once per task of the batch', async () => {
    const query = insertInLineQuery(db.db, [task(1), task(2), task(3), task(2), task(3)]);
    const { rows } = await sql<{ 'QUERY PLAN': unknown }>`EXPLAIN (ANALYZE, FORMAT JSON) ${query}`.execute(db.db);
    // Every node that aggregates the queue by priority runs once (loops = 1), whatever the batch size.
    const nodes: { 'Node Type': string; 'Actual Loops': number; 'Group Key'?: unknown; Plans?: unknown[] }[] = [];
    const walk = (node: (typeof nodes)[number]) => {
      nodes.push(node);
      for (const child of node.Plans ?? []) walk(child as (typeof nodes)[number]);
    };
    const explained = rows[0]!['QUERY PLAN'] as { Plan: (typeof nodes)[number] }[];
    walk(explained[0]!.Plan);
    const grouping = nodes.filter((n) => n['Group Key'] !== undefined);
    expect(grouping.length).toBeGreaterThan(0);
    for (const node of grouping) expect(node['Actual Loops']).toBe(1);
  });
});
