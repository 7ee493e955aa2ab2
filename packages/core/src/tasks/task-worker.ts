import { randomUUID } from 'node:crypto';
import { type AbortReason, runTask } from './run-task.js';
import { type Claim, claimTasks, removeWorker, renewLeases, touchWorker } from './task-claims.js';
import type { TaskDeps } from './task-deps.js';
import type { TaskRow } from './task-repository.js';
import { releaseTask, sweepExpiredTasks } from './task-sweeper.js';

export interface TaskWorker {
  readonly id: string;
  /** Tasks running now. */
  readonly active: number;
  /** Fetch now (a task was queued). */
  notify(): void;
  /** Stops fetching, lets running tasks finish for up to `timeoutMs`, then hands the rest back to the queue. */
  stop(timeoutMs: number): Promise<void>;
}

interface Running {
  claim: Claim;
  controller: AbortController;
  done: Promise<void>;
}

const abortWith = (controller: AbortController, reason: AbortReason) => controller.abort(reason);

/**
 * The dispatcher: `concurrency` slots filled by batched fetches (one fetch, one claim and one job
 * completion per batch, not per task), woken by wake-ups and a slow poll. A timer renews the leases of
 * running tasks (a task whose lease is gone, cancelled or taken over, is aborted) and sweeps tasks of
 * dead workers back into the queue.
 */
export async function startTaskWorker(deps: TaskDeps, concurrency: number): Promise<TaskWorker> {
  const id = `worker_${randomUUID()}`;
  const { leaseMs, pollIntervalMs } = deps.config;
  const running = new Map<string, Running>();
  let stopping = false;
  let pumping = false;
  let again = false;
  const log = deps.logger.child({ worker: id });

  const start = (row: TaskRow) => {
    const controller = new AbortController();
    const claim = { id: row.id, deliveries: row.deliveries };
    const entry: Running = { claim, controller, done: Promise.resolve() };
    running.set(row.id, entry);
    deps.observer.claimed(row);
    entry.done = runTask(deps, row, controller.signal)
      .then(async () => {
        if (controller.signal.reason === 'shutdown') await releaseTask(deps, claim);
      })
      .catch((err) => log.error({ err, taskId: row.id }, 'task run failed'))
      .finally(() => {
        running.delete(row.id);
        void pump();
      });
  };

  const pump = async (): Promise<void> => {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        while (!stopping) {
          const free = concurrency - running.size;
          if (free <= 0) break;
          const jobs = await deps.queue.fetch(free);
          if (jobs.length === 0) break;
          const rows = await claimTasks(deps.db, jobs, id, leaseMs);
          // The task row now carries the lease; the job has done its part (stale jobs included).
          await deps.queue.complete(jobs.map((j) => j.id));
          rows.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
          for (const row of rows) start(row);
          if (jobs.length < free) break;
        }
      } while (again && !stopping);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'task fetch failed; retrying at the next poll');
    } finally {
      pumping = false;
    }
  };

  const heartbeat = async () => {
    try {
      await touchWorker(deps.db, id, concurrency, leaseMs);
      const entries = [...running.values()];
      const held = await renewLeases(
        deps.db,
        entries.map((e) => e.claim),
        leaseMs,
      );
      for (const e of entries) if (!held.has(e.claim.id)) abortWith(e.controller, 'lost');
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'lease renewal failed');
    }
  };

  const sweep = async () => {
    try {
      await sweepExpiredTasks(deps);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'sweep failed');
    }
  };

  await touchWorker(deps.db, id, concurrency, leaseMs);
  const offQueued = deps.signals.onQueued(() => void pump());
  const offCancel = deps.signals.onCancel((taskId) => {
    const entry = running.get(taskId);
    if (entry) abortWith(entry.controller, 'cancelled');
  });
  const timers = [
    setInterval(() => void pump(), pollIntervalMs),
    setInterval(() => void heartbeat(), Math.max(100, Math.floor(leaseMs / 3))),
    setInterval(() => void sweep(), Math.max(100, Math.floor(leaseMs / 2))),
  ];
  for (const t of timers) t.unref();
  void sweep().then(pump);
  log.info({ concurrency, leaseMs }, 'task worker started');

  return {
    id,
    get active() {
      return running.size;
    },
    notify: () => void pump(),
    async stop(timeoutMs) {
      stopping = true;
      offQueued();
      offCancel();
      for (const t of timers) clearInterval(t);
      while (pumping) await new Promise((r) => setTimeout(r, 10));
      const all = () => Promise.all([...running.values()].map((e) => e.done));
      const waiting = running.size;
      const started = Date.now();
      if (waiting > 0) log.info({ running: waiting, timeoutMs }, 'waiting for running tasks to finish');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all(), new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
      clearTimeout(timer);
      const unfinished = running.size;
      for (const e of running.values()) abortWith(e.controller, 'shutdown');
      await all();
      await removeWorker(deps.db, id).catch(() => {});
      if (waiting > 0) {
        // What became of the work: finished, or handed back to the queue for the next worker.
        log.info(
          { finished: waiting - unfinished, returnedToQueue: unfinished, waitedMs: Date.now() - started },
          'task worker stopped',
        );
      }
    },
  };
}
