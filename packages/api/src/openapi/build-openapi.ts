import { z } from 'zod';
import { type RestRoute, restRoutes } from '../rest/rest-routes.js';
import { appRouter } from '../router.js';

type JsonSchema = Record<string, unknown>;
type ZodLike = z.ZodType;

interface ProcedureDef {
  inputs: unknown[];
  output?: unknown;
  type: 'query' | 'mutation' | 'subscription';
}

const errorSchema: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'requestId'],
      properties: {
        code: { type: 'string', description: 'One of the closed set of error codes' },
        message: { type: 'string' },
        details: { type: 'string', description: 'More about the failure (optional)' },
        requestId: { type: 'string', description: 'Equals the X-Request-ID response header' },
      },
      additionalProperties: true,
    },
  },
};

const ERROR_STATUSES: Record<string, string> = {
  '400': 'Invalid request: parameters, body size or type (invalid_request, result_not_available, cannot_cancel)',
  '401': 'Missing or invalid credentials (authentication_error)',
  '403': 'The credentials lack the permission (authorization_error)',
  '404': 'Not found (task_not_found, not_found)',
  '429': 'Rate limit reached (rate_limit_exceeded); see Retry-After',
  '500':
    'Claude API or internal error (claude_api_error, internal_server_error); an upstream rate limit or overload carries Retry-After',
  '503': 'Temporarily unavailable: database unreachable or request timed out (service_unavailable); see Retry-After',
};

function procedureDef(path: string): ProcedureDef {
  const procedures = (appRouter as unknown as { _def: { procedures: Record<string, { _def: ProcedureDef }> } })._def
    .procedures;
  const found = procedures[path];
  if (!found) throw new Error(`REST route points at missing procedure ${path}`);
  return found._def;
}

function toSchema(schema: unknown, io: 'input' | 'output'): JsonSchema | undefined {
  if (!(schema instanceof z.ZodType)) return undefined;
  const json = z.toJSONSchema(schema as ZodLike, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  return json;
}

function openapiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function parametersOf(route: RestRoute, input: JsonSchema | undefined) {
  const params: JsonSchema[] = [];
  const pathParams = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] as string);
  for (const name of pathParams) params.push({ name, in: 'path', required: true, schema: { type: 'string' } });
  if (!route.body && input && input.type === 'object') {
    const properties = (input.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((input.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries(properties)) {
      if (pathParams.includes(name)) continue;
      params.push({ name, in: 'query', required: required.has(name), schema });
    }
  }
  return params;
}

function operationOf(route: RestRoute) {
  const def = procedureDef(route.procedure);
  const input = def.inputs[0] === undefined ? undefined : toSchema(def.inputs[0], 'input');
  const output = toSchema(def.output, 'output') ?? {};
  const success: Record<string, unknown> = {};
  const statuses = typeof route.status === 'number' ? [route.status] : (route.statuses ?? [200]);
  for (const status of statuses) {
    success[String(status)] = { description: route.summary, content: { 'application/json': { schema: output } } };
  }
  const errors: Record<string, unknown> = {};
  for (const [status, description] of Object.entries(ERROR_STATUSES)) {
    if (success[status]) continue;
    errors[status] = {
      description,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  return {
    operationId: route.procedure.replace(/\./g, '_'),
    summary: route.summary,
    ...(route.public ? { security: [] } : {}),
    parameters: parametersOf(route, input),
    ...(route.body && input
      ? { requestBody: { required: true, content: { 'application/json': { schema: input } } } }
      : {}),
    responses: { ...success, ...errors },
  };
}

/** OpenAPI 3.1, generated from the REST table and the procedures' own zod schemas (never written by hand). */
export function buildOpenApiDocument(options: { version: string; serverUrl?: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of restRoutes) {
    const path = openapiPath(route.path);
    paths[path] ??= {};
    (paths[path] as Record<string, unknown>)[route.method.toLowerCase()] = operationOf(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'claude-proxy',
      version: options.version,
      description: 'A proxy between client apps and the Claude API. Every operation is also a tRPC procedure at /trpc.',
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    security: [{ bearerAuth: [] }, { apiKeyQuery: [] }],
    paths,
    components: {
      schemas: { Error: errorSchema },
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'A client API key (sk_live_…) or a JWT' },
        apiKeyQuery: { type: 'apiKey', in: 'query', name: 'apiKey' },
      },
    },
  };
}

export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;
