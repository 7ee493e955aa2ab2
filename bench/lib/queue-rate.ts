import { Agent, request } from 'node:http';
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
    await dropSchemas(connectionString, [schema]);
  }
}

/** Drops what a benchmark created, so runs do not pile schemas up in the shared database. */
export async function dropSchemas(connectionString: string, schemas: string[]): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** One JSON request on a keep-alive agent (the load generator's own cost stays small, as autocannon's does). */
function send(agent: Agent, url: string, method: string, headers: Record<string, string>, body?: string) {
  const u = new URL(url);
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Tasks through the proxy: N submissions over HTTP (32 at once), then until every one is completed. */
export async function proxyQueueRate(url: string, key: string, jobs: number, tag: string): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 33 });
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const started = performance.now();
  let next = 0;
  const submit = async () => {
    while (next < jobs) {
      const i = next++;
      const body = JSON.stringify({ prompt: `queue bench ${tag} ${i}`, caching: false, parameters: { maxTokens: 50 } });
      const res = await send(agent, `${url}/api/claude/queue`, 'POST', headers, body);
      if (res.status !== 202) throw new Error(`queue answered ${res.status}: ${res.text}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: 32 }, submit));
    for (;;) {
      const res = await send(agent, `${url}/api/claude/tasks?status=completed&limit=1`, 'GET', headers);
      const body = JSON.parse(res.text) as { pagination: { total: number } };
      if (body.pagination.total >= jobs) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    return jobs / ((performance.now() - started) / 1000);
  } finally {
    agent.destroy();
  }
}
