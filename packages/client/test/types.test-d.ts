/**
 * Compile-time contract of the SDK: `pnpm typecheck` (tsc --noEmit) fails when a line marked
 * @ts-expect-error stops being an error, i.e. when a wrong call or a missing field becomes accepted.
 */
import { expectTypeOf } from 'vitest';
import { type ClaudeProxyError, createClaudeProxyClient } from '../src/index.js';

const client = createClaudeProxyClient({ baseUrl: 'http://localhost:3000', apiKey: 'sk_live_x' });

export async function typeContract(): Promise<void> {
  const answer = await client.query({
    prompt: 'hi',
    parameters: { temperature: 0.5, maxTokens: 10, model: 'claude-3' },
  });
  expectTypeOf(answer.content).toEqualTypeOf<string>();
  expectTypeOf(answer.usage.totalTokens).toEqualTypeOf<number>();
  expectTypeOf(answer.metadata.cached).toEqualTypeOf<boolean>();

  // @ts-expect-error prompt is required
  await client.query({ parameters: { temperature: 0.5 } });
  // @ts-expect-error temperature is a number
  await client.query({ prompt: 'hi', parameters: { temperature: 'warm' } });
  // @ts-expect-error maxTokens, not max_tokens
  await client.query({ prompt: 'hi', parameters: { max_tokens: 10 } });
  // @ts-expect-error there is no such field on an answer
  answer.completion;

  const queued = await client.queue({ prompt: 'long job', priority: 'high', metadata: { ref: 'x' } });
  expectTypeOf(queued.taskId).toEqualTypeOf<string>();
  // @ts-expect-error priority is high | medium | low
  await client.queue({ prompt: 'x', priority: 'urgent' });

  const task = await client.getTask(queued.taskId);
  if (task.status === 'processing') expectTypeOf(task.progress).toEqualTypeOf<number>();
  // @ts-expect-error a task id is a string
  await client.getTask(42);

  const list = await client.listTasks({ status: 'completed', page: 1, limit: 10 });
  expectTypeOf(list.pagination.total).toEqualTypeOf<number>();
  // @ts-expect-error not a status
  await client.listTasks({ status: 'done' });

  const token = await client.createToken({ apiKey: 'sk_live_x', expiresIn: '1h' });
  expectTypeOf(token.token).toEqualTypeOf<string>();
  // @ts-expect-error apiKey is required
  await client.createToken({ expiresIn: '1h' });

  const registered = await client.register({ name: 'spa', permissions: ['query', 'queue'] });
  expectTypeOf(registered.apiKey).toEqualTypeOf<string>();
  // @ts-expect-error not a permission
  await client.register({ name: 'spa', permissions: ['root'] });

  const result = await client.waitForTask(queued.taskId, { timeoutMs: 1000 });
  expectTypeOf(result.content).toEqualTypeOf<string>();

  try {
    await client.health();
  } catch {
    expectTypeOf<ClaudeProxyError['code']>().toExtend<string>();
    expectTypeOf<ClaudeProxyError['requestId']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<ClaudeProxyError['retryAfter']>().toEqualTypeOf<number | undefined>();
  }
}
