/**
 * The REST contract (spec section "API endpoints") as a table of method + path -> tRPC procedure.
 * Every REST route runs the same procedure as its tRPC twin, so the two can never drift apart.
 */
export interface RestRequestParts {
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
}

export interface RestRoute {
  method: 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH';
  /** Hono-style path with `:param` segments. */
  path: string;
  /** Dotted tRPC procedure path. */
  procedure: string;
  /** HTTP status of a success; a function when it depends on the output (health). */
  status: number | ((output: unknown) => number);
  /** With a function `status`: every status it may answer (for the OpenAPI document). */
  statuses?: number[];
  /** True when the route needs no credentials. */
  public?: boolean;
  /** Builds the procedure input from the HTTP request. Absent: no input. */
  input?: (parts: RestRequestParts) => unknown;
  /** True when the route reads a JSON body. */
  body?: boolean;
  summary: string;
}

/** Path parameters merged into a JSON body; a body that is not an object is passed on for zod to reject. */
const withParams = ({ params, body }: RestRequestParts): unknown => {
  if (body === undefined) return { ...params };
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? { ...body, ...params } : body;
};

export const restRoutes: RestRoute[] = [
  {
    method: 'POST',
    path: '/api/claude/query',
    procedure: 'claude.query',
    status: 200,
    body: true,
    input: ({ body }) => body,
    summary: 'Synchronous Claude query (E1)',
  },
  {
    method: 'POST',
    path: '/api/claude/queue',
    procedure: 'claude.queue',
    status: 202,
    body: true,
    input: ({ body }) => body,
    summary: 'Queue an asynchronous task (E2)',
  },
  {
    method: 'GET',
    path: '/api/claude/task/:taskId',
    procedure: 'claude.task',
    status: 200,
    input: ({ params }) => ({ taskId: params.taskId }),
    summary: 'Task status (E3)',
  },
  {
    method: 'GET',
    path: '/api/claude/task/:taskId/result',
    procedure: 'claude.taskResult',
    status: 200,
    input: ({ params }) => ({ taskId: params.taskId }),
    summary: 'Task result (E4)',
  },
  {
    method: 'DELETE',
    path: '/api/claude/task/:taskId',
    procedure: 'claude.cancelTask',
    status: 200,
    input: ({ params }) => ({ taskId: params.taskId }),
    summary: 'Cancel a task (E5)',
  },
  {
    method: 'GET',
    path: '/api/claude/tasks',
    procedure: 'claude.tasks',
    status: 200,
    // Only the E6 parameters: others (e.g. ?apiKey= of A3) are not filters.
    input: ({ query }) => pickDefined(query, ['status', 'page', 'limit', 'sortBy', 'sortOrder']),
    summary: 'List tasks (E6)',
  },
  {
    method: 'GET',
    path: '/api/health',
    procedure: 'health',
    status: (output) => ((output as { status?: string }).status === 'healthy' ? 200 : 503),
    statuses: [200, 503],
    public: true,
    summary: 'Service health (E7)',
  },
  {
    method: 'DELETE',
    path: '/api/admin/cache',
    procedure: 'admin.invalidateCache',
    status: 200,
    input: ({ query }) => query,
    summary: 'Forced cache invalidation: every entry, or one with ?key= (C3, admin)',
  },
  {
    method: 'GET',
    path: '/api/admin/rate-limits/:clientId',
    procedure: 'admin.rateLimits.get',
    status: 200,
    input: ({ params }) => ({ clientId: params.clientId }),
    summary: "A client's rate-limit overrides and the limits in force (admin)",
  },
  {
    method: 'PUT',
    path: '/api/admin/rate-limits/:clientId',
    procedure: 'admin.rateLimits.set',
    status: 200,
    body: true,
    input: ({ params, body }) => ({ clientId: params.clientId, limits: body }),
    summary: "Replaces a client's rate-limit overrides (admin)",
  },
  {
    method: 'DELETE',
    path: '/api/admin/rate-limits/:clientId',
    procedure: 'admin.rateLimits.clear',
    status: 200,
    input: ({ params }) => ({ clientId: params.clientId }),
    summary: "Removes a client's rate-limit overrides (admin)",
  },
  {
    method: 'POST',
    path: '/api/auth/register',
    procedure: 'auth.register',
    status: 201,
    body: true,
    input: ({ body }) => body,
    summary: 'Register a client and its API key (E8, admin)',
  },
  {
    method: 'POST',
    path: '/api/auth/token',
    procedure: 'auth.token',
    status: 200,
    body: true,
    input: ({ body }) => body,
    summary: 'Exchange an API key for a JWT (E9)',
  },
  {
    method: 'GET',
    path: '/api/auth/clients',
    procedure: 'auth.listClients',
    status: 200,
    summary: 'List clients, never a secret (A7, admin)',
  },
  {
    method: 'DELETE',
    path: '/api/auth/clients/:clientId',
    procedure: 'auth.revokeClient',
    status: 200,
    input: ({ params }) => ({ clientId: params.clientId }),
    summary: 'Revoke a client and every token derived from its keys (A7, admin)',
  },
  {
    method: 'POST',
    path: '/api/auth/clients/:clientId/rotate',
    procedure: 'auth.rotateKey',
    status: 200,
    body: true,
    input: withParams,
    summary: 'Rotate a client key, optional gracePeriod (A7, admin)',
  },
  {
    method: 'POST',
    path: '/api/auth/clients/:clientId/unsuspend',
    procedure: 'auth.unsuspendClient',
    status: 200,
    input: ({ params }) => ({ clientId: params.clientId }),
    summary: 'Lift an anomaly suspension (A8, admin)',
  },
  {
    method: 'POST',
    path: '/api/auth/clients/:clientId/webhook-secret',
    procedure: 'auth.rotateWebhookSecret',
    status: 200,
    input: ({ params }) => ({ clientId: params.clientId }),
    summary: 'Issue a new webhook signing secret (admin)',
  },
  {
    method: 'GET',
    path: '/api/usage',
    procedure: 'usage',
    status: 200,
    input: ({ query }) => ({ clientId: query.clientId, from: query.from, to: query.to }),
    summary: "The caller's usage (an admin's: anyone's) by day and model",
  },
  {
    method: 'GET',
    path: '/api/webhooks/deliveries',
    procedure: 'webhooks.listDeliveries',
    status: 200,
    input: ({ query }) => query,
    summary: 'Webhook deliveries, newest first (?taskId=, ?status=, ?page=, ?limit=); own only unless admin',
  },
  {
    method: 'GET',
    path: '/api/webhooks/deliveries/:deliveryId',
    procedure: 'webhooks.getDelivery',
    status: 200,
    input: ({ params }) => params,
    summary: 'One webhook delivery with every attempt',
  },
  {
    method: 'POST',
    path: '/api/webhooks/deliveries/:deliveryId/redeliver',
    procedure: 'webhooks.redeliver',
    status: 202,
    input: ({ params }) => params,
    summary: 'Redeliver a finished webhook (same webhook-id, a new round of attempts)',
  },
  {
    method: 'POST',
    path: '/api/webhooks/secret/rotate',
    procedure: 'webhooks.rotateSecret',
    status: 200,
    body: true,
    input: ({ body }) => body,
    summary: "Rotate the caller's webhook signing secret (shown once; the old one stays valid for graceSeconds)",
  },
];

function pickDefined(source: Record<string, string>, keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}
