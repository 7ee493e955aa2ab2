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
    summary: 'Service health (E7)',
  },
  {
    method: 'GET',
    path: '/api/usage',
    procedure: 'usage',
    status: 200,
    input: ({ query }) => ({ clientId: query.clientId, from: query.from, to: query.to }),
    summary: "The caller's usage (an admin's: anyone's) by day and model",
  },
];
