import pg from 'pg';
import PgBoss from 'pg-boss';

/** Raw pg-boss on the same database: send N jobs and work them off with batches, as fast as it goes. */
export async function rawPgBossRate(connectionString: string, schema: string, jobs: number): Promise<number> {
  const boss = new PgBoss({ connectionString, schema, max: 8 });
  boss.on('error', () => {});
  await boss.start();
  try {
    await boss.createQueue('bench');
    let done = 0;
    let finish: () => void = () => {};
    const finished = new Promise<void>((r) => {
      finish = r;
    });
    const started = performance.now();
    for (let w = 0; w < 4; w++) {
      await boss.work('bench', { batchSize: 100, pollingIntervalSeconds: 0.5 }, async (batch) => {
        done += batch.length;
        if (done >= jobs) finish();
      });
    }
    const senders = Array.from({ length: 16 }, async (_, s) => {
      for (let i = s; i < jobs; i += 16) await boss.send('bench', { i });
    });
    await Promise.all(senders);
    await finished;
    return jobs / ((performance.now() - started) / 1000);
  } finally {
    await boss.stop({ graceful: false, wait: true });
    const client = new pg.Client({ connectionString });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  }
}

/** Tasks through the proxy: N submissions over HTTP (C at once), then until every one is completed. */
export async function proxyQueueRate(url: string, key: string, jobs: number, tag: string): Promise<number> {
  const started = performance.now();
  const ids: string[] = [];
  let next = 0;
  const submit = async () => {
    while (next < jobs) {
      const i = next++;
      const res = await fetch(`${url}/api/claude/queue`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: `queue bench ${tag} ${i}`, caching: false, parameters: { maxTokens: 50 } }),
      });
      if (res.status !== 202) throw new Error(`queue answered ${res.status}: ${await res.text()}`);
      ids.push(((await res.json()) as { taskId: string }).taskId);
    }
  };
  await Promise.all(Array.from({ length: 32 }, submit));
  for (;;) {
    const res = await fetch(`${url}/api/claude/tasks?status=completed&limit=1`, {
      headers: { authorization: `Bearer ${key}` },
    });
    const body = (await res.json()) as { pagination: { total: number } };
    if (body.pagination.total >= jobs) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return jobs / ((performance.now() - started) / 1000);
}
