import type { Notifier } from '../events/notifier.js';
import type { Logger } from '../util/logger.js';

const QUEUED = 'task_queued';
const CANCEL = 'task_cancel';

/**
 * Cross-instance wake-ups over LISTEN/NOTIFY: "a task was queued" (workers fetch now instead of at the
 * next poll) and "cancel this running task" (the worker holding it aborts the upstream call). Both are
 * hints: the poll and the lease renewal still find the work if a notification is lost.
 */
export function createTaskSignals(notifier: Notifier | undefined, logger: Logger, minGapMs = 10) {
  const queuedListeners: (() => void)[] = [];
  const cancelListeners: ((taskId: string) => void)[] = [];
  let inFlight = false;
  let pending = false;

  const publishQueued = (): void => {
    if (!notifier) return;
    if (inFlight) {
      pending = true;
      return;
    }
    inFlight = true;
    notifier
      .publish(QUEUED, '')
      .catch((err) => logger.debug({ err: (err as Error).message }, 'task wake-up not published'))
      .then(() => new Promise((r) => setTimeout(r, minGapMs)))
      .finally(() => {
        inFlight = false;
        if (pending) {
          pending = false;
          publishQueued();
        }
      });
  };

  return {
    async start(): Promise<void> {
      if (!notifier) return;
      await notifier.subscribe(QUEUED, () => {
        for (const fn of queuedListeners) fn();
      });
      await notifier.subscribe(CANCEL, (taskId) => {
        for (const fn of cancelListeners) fn(taskId);
      });
    },
    /** Coalesced: at most one notification in flight, plus one trailing. */
    queued(): void {
      for (const fn of queuedListeners) fn();
      publishQueued();
    },
    async cancelled(taskId: string): Promise<void> {
      for (const fn of cancelListeners) fn(taskId);
      await notifier?.publish(CANCEL, taskId).catch(() => {});
    },
    onQueued(fn: () => void): () => void {
      queuedListeners.push(fn);
      return () => queuedListeners.splice(queuedListeners.indexOf(fn), 1);
    },
    onCancel(fn: (taskId: string) => void): () => void {
      cancelListeners.push(fn);
      return () => cancelListeners.splice(cancelListeners.indexOf(fn), 1);
    },
  };
}

export type TaskSignals = ReturnType<typeof createTaskSignals>;
