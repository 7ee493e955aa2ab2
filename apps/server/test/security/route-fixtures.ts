import { bearer, http, type TestServer } from '../helpers.js';

export interface FixtureContext {
  t: TestServer;
  /** Registers a client (admin key) and returns its key and id. */
  register(permissions: string[]): Promise<{ clientId: string; apiKey: string }>;
}

/**
 * How the shared security suite calls one route with credentials that should pass. Every route of the REST
 * table is covered whether or not it has an entry here: the default puts `nonexistent` in each `:param` and
 * sends `{}`, which is enough to prove 401/403 happen before anything else.
 */
export interface RouteFixture {
  /** Path parameters for a request that passes authentication. */
  params?: (ctx: FixtureContext) => Promise<Record<string, string>> | Record<string, string>;
  body?: unknown;
  /** The status a caller with the right permission gets (default: anything but 401/403). */
  okStatus?: number;
  /**
   * Routes over a client's own resources (tasks): the params of a resource that `owner` created. The suite
   * checks that another client gets exactly the answer a missing resource gets (404 `task_not_found`).
   */
  foreignResource?: (
    ctx: FixtureContext,
    owner: { clientId: string; apiKey: string },
  ) => Promise<Record<string, string>>;
  /** Params of a resource that does not exist, to compare with `foreignResource`. */
  missingResource?: Record<string, string>;
}

/** A task of `owner`'s, created through E2 with its own key. */
async function ownersTask(ctx: FixtureContext, owner: { apiKey: string }): Promise<Record<string, string>> {
  const res = await http<{ taskId: string }>(`${ctx.t.url}/api/claude/queue`, {
    body: { prompt: 'security suite: a task of another client', caching: false },
    headers: bearer(owner.apiKey),
  });
  if (res.status !== 202) throw new Error(`enqueue answered ${res.status}: ${JSON.stringify(res.body)}`);
  return { taskId: res.body.taskId };
}

/** A webhook delivery of `owner`'s; its private URL is refused at send time, so nothing leaves the machine. */
async function ownersDelivery(ctx: FixtureContext, owner: { clientId: string }): Promise<Record<string, string>> {
  const { webhooks, db } = ctx.t.server.services;
  const { deliveryId } = await webhooks.enqueueWebhookDelivery(db.db, {
    taskId: `task_security_${owner.clientId}`,
    clientId: owner.clientId,
    url: 'http://10.0.0.1/hook',
    event: 'task.completed',
    payload: { status: 'completed' },
  });
  return { deliveryId };
}

const task = { foreignResource: ownersTask, missingResource: { taskId: 'task_AAAAAAAAAAAAAAAAAAAAAA' } };
const delivery = { foreignResource: ownersDelivery, missingResource: { deliveryId: 'whd_AAAAAAAAAAAAAAAAAAAAAA' } };

const throwawayClient = async (ctx: FixtureContext) => ({ clientId: (await ctx.register(['query'])).clientId });

/** Keyed by `METHOD path` exactly as in the REST table. Add an entry when a route needs more than the default. */
export const routeFixtures: Record<string, RouteFixture> = {
  'POST /api/claude/query': { body: { prompt: 'security suite', caching: false }, okStatus: 200 },
  'POST /api/auth/register': { body: { name: 'security suite client' }, okStatus: 201 },
  'GET /api/auth/clients': { okStatus: 200 },
  'DELETE /api/auth/clients/:clientId': { params: throwawayClient, okStatus: 200 },
  'POST /api/auth/clients/:clientId/rotate': { params: throwawayClient, body: {}, okStatus: 200 },
  'POST /api/auth/clients/:clientId/unsuspend': { params: throwawayClient, okStatus: 200 },
  'POST /api/auth/clients/:clientId/webhook-secret': { params: throwawayClient, okStatus: 200 },
  // A9: another client's task or delivery answers exactly as a missing one.
  'GET /api/claude/task/:taskId': task,
  'GET /api/claude/task/:taskId/result': task,
  'DELETE /api/claude/task/:taskId': task,
  'GET /api/webhooks/deliveries/:deliveryId': delivery,
  'POST /api/webhooks/deliveries/:deliveryId/redeliver': delivery,
};

export function fillPath(path: string, params: Record<string, string>): string {
  return path.replace(/:([A-Za-z]+)/g, (_m, name: string) => encodeURIComponent(params[name] ?? 'nonexistent'));
}
