import type { Migration } from 'kysely';
import * as m0001 from './0001-init.js';
import * as m0002 from './0002-clients.js';
import * as m0003 from './0003-tasks.js';
import * as m0004 from './0004-rate-limits.js';
import * as m0005 from './0005-request-history.js';
import * as m0006 from './0006-webhooks.js';
import * as m0007 from './0007-webhook-secrets-owner.js';

/**
 * Static, bundle-safe list of migrations: names sort in the order they run. Add new files here.
 */
export const migrations: Record<string, Migration> = {
  '0001-init': m0001,
  '0003-tasks': m0003,
  '0004-rate-limits': m0004,
  '0002-clients': m0002,
  '0005-request-history': m0005,
  '0006-webhooks': m0006,
  '0007-webhook-secrets-owner': m0007,
};
