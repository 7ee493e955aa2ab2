import type { RequestContext } from '@claude-proxy/api';
import type { HttpBindings } from '@hono/node-server';

/** The Hono environment of every route: node bindings, the request id and the request's context. */
export type AppEnv = {
  Bindings: HttpBindings;
  Variables: { requestId: string; ctx: RequestContext; bodyRead?: boolean };
};
