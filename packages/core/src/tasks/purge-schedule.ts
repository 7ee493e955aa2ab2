import type PgBoss from 'pg-boss';
import type { Logger } from '../util/logger.js';

export const PURGE_QUEUE = 'tasks-purge';

/**
 * Retention: a pg-boss cron job (once per cluster per run, whichever worker takes it) deletes finished
 * tasks past their retention, in bounded batches until none is left.
 */
export async function scheduleTaskPurge(
  boss: PgBoss,
  purge: () => Promise<number>,
  logger: Logger,
  cron = '*/10 * * * *',
): Promise<void> {
  await boss.createQueue(PURGE_QUEUE, { name: PURGE_QUEUE, retryLimit: 1 });
  await boss.schedule(PURGE_QUEUE, cron);
  await boss.work(PURGE_QUEUE, { pollingIntervalSeconds: 30 }, async () => {
    let total = 0;
    for (let i = 0; i < 100; i++) {
      const removed = await purge();
      total += removed;
      if (removed === 0) break;
    }
    if (total > 0) logger.info({ removed: total }, 'finished tasks purged');
  });
}
