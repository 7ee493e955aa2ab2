import type { Migration } from 'kysely';
import * as m0001 from './0001-init.js';
import * as m0006 from './0006-webhooks.js';

/**
 * Static, bundle-safe list of migrations: names sort in the order they run. Add new files here.
 */
export const migrations: Record<string, Migration> = {
  '0001-init': m0001,
  '0006-webhooks': m0006,
};
