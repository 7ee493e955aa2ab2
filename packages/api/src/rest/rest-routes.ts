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
