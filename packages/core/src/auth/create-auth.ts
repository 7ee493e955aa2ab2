import { type AuthCoreDeps, createAuthCore } from './auth-service.js';
import { createClientManager } from './manage-clients.js';

/** Authentication (keys, tokens, permissions) and the administrator's client operations, as one service. */
export function createAuth(deps: AuthCoreDeps) {
  const core = createAuthCore(deps);
  const clients = createClientManager({
    db: deps.db,
    clock: deps.clock,
    config: deps.config,
    core,
    ...(deps.webhookSecrets ? { webhookSecrets: deps.webhookSecrets } : {}),
  });
  return {
    start: core.start,
    authenticate: core.authenticate,
    authorize: core.authorize,
    issueToken: core.issueToken,
    clients,
    /** Verified credentials held in process (for tests and metrics). */
    cachedVerifications: () => core.cache.size,
  };
}

export type AuthService = ReturnType<typeof createAuth>;
