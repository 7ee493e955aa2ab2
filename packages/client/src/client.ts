import type { AppRouter } from '@claude-proxy/api';
import { createTRPCClient, httpBatchLink, type TRPCClient } from '@trpc/client';
import type { AnyTRPCRouter } from '@trpc/server';
import superjson from 'superjson';
import type { ContractInputs, ContractOutputs } from './contract.generated.js';
import { ClaudeProxyError, toClaudeProxyError } from './errors.js';
import { type WaitForTaskOptions, waitForTask } from './wait-for-task.js';

/**
 * What each procedure takes and answers, printed out from the server's router at build time
 * (contract.generated.ts): the published declarations need nothing of the server's packages.
 */
export type RouterInputs = ContractInputs;
export type RouterOutputs = ContractOutputs;

export type QueryInput = RouterInputs['claude']['query'];
export type QueryResponse = RouterOutputs['claude']['query'];
export type QueueInput = RouterInputs['claude']['queue'];
export type QueuedTask = RouterOutputs['claude']['queue'];
export type TaskStatus = RouterOutputs['claude']['task'];
export type TaskResult = RouterOutputs['claude']['taskResult'];
export type CancelledTask = RouterOutputs['claude']['cancelTask'];
export type ListTasksInput = RouterInputs['claude']['tasks'];
export type TaskList = RouterOutputs['claude']['tasks'];
export type TokenInput = RouterInputs['auth']['token'];
export type Token = RouterOutputs['auth']['token'];
export type RegisterInput = RouterInputs['auth']['register'];
export type RegisteredClient = RouterOutputs['auth']['register'];
export type Health = RouterOutputs['health'];
export type UsageInput = RouterInputs['usage'];
export type Usage = RouterOutputs['usage'];
type AdminIn = RouterInputs['admin'];
type AdminOut = RouterOutputs['admin'];
type AuthIn = RouterInputs['auth'];
type AuthOut = RouterOutputs['auth'];
type HooksIn = RouterInputs['webhooks'];
type HooksOut = RouterOutputs['webhooks'];

/** Every claude-proxy operation as a typed method. Errors are ClaudeProxyError. */
export interface ClaudeProxyClient {
  /** E1: a synchronous query. */
  query(input: QueryInput): Promise<QueryResponse>;
  /** E2: queue a task; resolves with its id, position and estimated start. */
  queue(input: QueueInput): Promise<QueuedTask>;
  /** E3: a task's status. */
  getTask(taskId: string): Promise<TaskStatus>;
  /** E4: a completed task's result (`result_not_available` before). */
  getResult(taskId: string): Promise<TaskResult>;
  /** E5: cancel a queued or running task. */
  cancelTask(taskId: string): Promise<CancelledTask>;
  /** E6: the caller's tasks, filtered and paginated. */
  listTasks(input?: ListTasksInput): Promise<TaskList>;
  /** Polls a task with backoff until it ends; resolves with its result, throws if it failed or was cancelled. */
  waitForTask(taskId: string, wait?: WaitForTaskOptions): Promise<TaskResult>;
  /** E9: exchange an API key for a JWT. */
  createToken(input: TokenInput): Promise<Token>;
  /** E8: register a client (administrator). The key is shown once. */
  register(input: RegisterInput): Promise<RegisteredClient>;
  /** E7: health of the proxy and its components (public). */
  health(): Promise<Health>;
  /** The caller's usage by day and model (an administrator may name another client). */
  usage(input?: UsageInput): Promise<Usage>;
  /** Administrator operations. */
  admin: {
    listClients(): Promise<AuthOut['listClients']>;
    revokeClient(clientId: string): Promise<AuthOut['revokeClient']>;
    rotateKey(clientId: string, input?: Omit<AuthIn['rotateKey'], 'clientId'>): Promise<AuthOut['rotateKey']>;
    unsuspendClient(clientId: string): Promise<AuthOut['unsuspendClient']>;
    rotateWebhookSecret(clientId: string): Promise<AuthOut['rotateWebhookSecret']>;
    invalidateCache(key?: string): Promise<AdminOut['invalidateCache']>;
    getRateLimits(clientId: string): Promise<AdminOut['rateLimits']['get']>;
    setRateLimits(
      clientId: string,
      limits: AdminIn['rateLimits']['set']['limits'],
    ): Promise<AdminOut['rateLimits']['set']>;
    clearRateLimits(clientId: string): Promise<AdminOut['rateLimits']['clear']>;
  };
  /** Webhook deliveries of the caller's tasks, and its signing secret. */
  webhooks: {
    listDeliveries(input?: HooksIn['listDeliveries']): Promise<HooksOut['listDeliveries']>;
    getDelivery(deliveryId: string): Promise<HooksOut['getDelivery']>;
    redeliver(deliveryId: string): Promise<HooksOut['redeliver']>;
    rotateSecret(input?: HooksIn['rotateSecret']): Promise<HooksOut['rotateSecret']>;
  };
  /** The underlying tRPC client, for anything the methods above do not cover (untyped outside this workspace). */
  trpc: TRPCClient<AnyTRPCRouter>;
}

export interface ClaudeProxyClientOptions {
  /** The proxy's origin, e.g. `https://proxy.example.com` (the SDK calls `<baseUrl>/trpc`). */
  baseUrl: string;
  /** A client API key (`sk_live_…`). Prefer a short-lived `token` or `getToken` in browsers. */
  apiKey?: string;
  /** A JWT from `POST /api/auth/token`. */
  token?: string;
  /** Called before each request batch: return a fresh token (e.g. from your backend). */
  getToken?: () => string | Promise<string>;
  /** A fetch implementation (default: the global one). */
  fetch?: typeof fetch;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
}

async function call<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    throw toClaudeProxyError(error);
  }
}

/** A typed client for every claude-proxy operation, over tRPC with superjson. Errors are ClaudeProxyError. */
export function createClaudeProxyClient(options: ClaudeProxyClientOptions): ClaudeProxyClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const trpc = createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${base}/trpc`,
        transformer: superjson,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        headers: async () => {
          const credential = options.getToken ? await options.getToken() : (options.token ?? options.apiKey);
          return { ...options.headers, ...(credential ? { authorization: `Bearer ${credential}` } : {}) };
        },
      }),
    ],
  });

  const client: ClaudeProxyClient = {
    /** E1: a synchronous query. */
    query: (input: QueryInput) => call(trpc.claude.query.mutate(input)),
    /** E2: queue a task; resolves with its id, position and estimated start. */
    queue: (input: QueueInput) => call(trpc.claude.queue.mutate(input)),
    /** E3: a task's status. */
    getTask: (taskId: string) => call(trpc.claude.task.query({ taskId })),
    /** E4: a completed task's result (`result_not_available` before). */
    getResult: (taskId: string) => call(trpc.claude.taskResult.query({ taskId })),
    /** E5: cancel a queued or running task. */
    cancelTask: (taskId: string) => call(trpc.claude.cancelTask.mutate({ taskId })),
    /** E6: the caller's tasks, filtered and paginated. */
    listTasks: (input: ListTasksInput = {}) => call(trpc.claude.tasks.query(input)),
    /** Polls a task with backoff until it ends; resolves with its result, throws if it failed or was cancelled. */
    waitForTask: (taskId: string, wait: WaitForTaskOptions = {}): Promise<TaskResult> =>
      waitForTask(
        {
          getTask: (id) => client.getTask(id) as Promise<{ status: string; error?: unknown }>,
          getResult: client.getResult,
        },
        taskId,
        wait,
      ),
    /** E9: exchange an API key for a JWT. */
    createToken: (input: TokenInput) => call(trpc.auth.token.mutate(input)),
    /** E8: register a client (administrator). The key is shown once. */
    register: (input: RegisterInput) => call(trpc.auth.register.mutate(input)),
    /** E7: health of the proxy and its components (public). */
    health: () => call(trpc.health.query()),
    /** The caller's usage by day and model (an administrator may name another client). */
    usage: (input: UsageInput = {}) => call(trpc.usage.query(input)),
    /** Administrator operations. */
    admin: {
      listClients: () => call(trpc.auth.listClients.query()),
      revokeClient: (clientId: string) => call(trpc.auth.revokeClient.mutate({ clientId })),
      rotateKey: (clientId: string, input: Omit<RouterInputs['auth']['rotateKey'], 'clientId'> = {}) =>
        call(trpc.auth.rotateKey.mutate({ ...input, clientId })),
      unsuspendClient: (clientId: string) => call(trpc.auth.unsuspendClient.mutate({ clientId })),
      rotateWebhookSecret: (clientId: string) => call(trpc.auth.rotateWebhookSecret.mutate({ clientId })),
      invalidateCache: (key?: string) => call(trpc.admin.invalidateCache.mutate(key ? { key } : {})),
      getRateLimits: (clientId: string) => call(trpc.admin.rateLimits.get.query({ clientId })),
      setRateLimits: (clientId: string, limits: RouterInputs['admin']['rateLimits']['set']['limits']) =>
        call(trpc.admin.rateLimits.set.mutate({ clientId, limits })),
      clearRateLimits: (clientId: string) => call(trpc.admin.rateLimits.clear.mutate({ clientId })),
    },
    /** Webhook deliveries of the caller's tasks, and its signing secret. */
    webhooks: {
      listDeliveries: (input: RouterInputs['webhooks']['listDeliveries'] = {}) =>
        call(trpc.webhooks.listDeliveries.query(input)),
      getDelivery: (deliveryId: string) => call(trpc.webhooks.getDelivery.query({ deliveryId })),
      redeliver: (deliveryId: string) => call(trpc.webhooks.redeliver.mutate({ deliveryId })),
      rotateSecret: (input: RouterInputs['webhooks']['rotateSecret'] = {}) =>
        call(trpc.webhooks.rotateSecret.mutate(input)),
    },
    trpc: trpc as unknown as TRPCClient<AnyTRPCRouter>,
  };
  return client;
}

export { ClaudeProxyError };
