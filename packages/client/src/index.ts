import type { AppRouter } from '@claude-proxy/api';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import superjson from 'superjson';

export type { AppRouter };

export interface ClaudeProxyClientOptions {
  /** The proxy's origin, e.g. `https://proxy.example.com` (no trailing `/trpc`). */
  baseUrl: string;
  apiKey?: string;
  token?: string;
  getToken?: () => string | Promise<string>;
  fetch?: typeof fetch;
}

/** A typed client for every claude-proxy operation, over tRPC with superjson. */
export function createClaudeProxyClient(options: ClaudeProxyClientOptions) {
  const base = options.baseUrl.replace(/\/+$/, '');
  const trpc = createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${base}/trpc`,
        transformer: superjson,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        headers: async () => {
          const credential = options.getToken ? await options.getToken() : (options.token ?? options.apiKey);
          return credential ? { authorization: `Bearer ${credential}` } : {};
        },
      }),
    ],
  });
  return {
    trpc,
    query: (input: Parameters<typeof trpc.claude.query.mutate>[0]) => trpc.claude.query.mutate(input),
    health: () => trpc.health.query(),
    queue: (input: Parameters<typeof trpc.claude.queue.mutate>[0]) => trpc.claude.queue.mutate(input),
    task: (taskId: string) => trpc.claude.task.query({ taskId }),
    taskResult: (taskId: string) => trpc.claude.taskResult.query({ taskId }),
    cancelTask: (taskId: string) => trpc.claude.cancelTask.mutate({ taskId }),
    tasks: (input: Parameters<typeof trpc.claude.tasks.query>[0] = {}) => trpc.claude.tasks.query(input),
  };
}
