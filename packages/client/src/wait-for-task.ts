import { ClaudeProxyError, type ClaudeProxyErrorCode } from './errors.js';

export interface WaitForTaskOptions {
  /** Aborts the wait (the task itself keeps running; cancel it with cancelTask). */
  signal?: AbortSignal;
  /** Give up after this long (default 10 minutes). */
  timeoutMs?: number;
  /** First polling interval (default 250 ms); it grows by half each time up to `maxIntervalMs`. */
  intervalMs?: number;
  /** Default 5 s. */
  maxIntervalMs?: number;
  /** Called with every status seen, e.g. to show progress. */
  onStatus?: (status: { status: string; progress?: number }) => void;
}

interface TaskApi<R> {
  getTask(taskId: string): Promise<{ status: string; error?: unknown; progress?: number }>;
  getResult(taskId: string): Promise<R>;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new ClaudeProxyError('aborted', 'The wait was aborted'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new ClaudeProxyError('aborted', 'The wait was aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Polls with backoff until the task ends; the result when it completed, a ClaudeProxyError otherwise. */
export async function waitForTask<R>(api: TaskApi<R>, taskId: string, options: WaitForTaskOptions = {}): Promise<R> {
  const deadline = Date.now() + (options.timeoutMs ?? 600_000);
  const maxInterval = options.maxIntervalMs ?? 5_000;
  let interval = options.intervalMs ?? 250;
  for (;;) {
    if (options.signal?.aborted) throw new ClaudeProxyError('aborted', 'The wait was aborted');
    const task = await api.getTask(taskId);
    options.onStatus?.(task);
    if (task.status === 'completed') return api.getResult(taskId);
    if (task.status === 'failed') {
      const error = (task.error ?? {}) as { code?: string; message?: string; details?: unknown };
      const code = (error.code ?? 'task_failed') as ClaudeProxyErrorCode;
      throw new ClaudeProxyError(code, error.message ?? `Task ${taskId} failed`, {
        details: error.details ?? error,
        extra: { taskStatus: 'failed', taskError: error },
      });
    }
    if (task.status === 'cancelled') {
      throw new ClaudeProxyError('task_cancelled', `Task ${taskId} was cancelled`, {
        extra: { taskStatus: 'cancelled' },
      });
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new ClaudeProxyError('timeout', `Task ${taskId} did not finish in time`, {
        extra: { taskStatus: task.status },
      });
    }
    await sleep(Math.min(interval, left), options.signal);
    interval = Math.min(maxInterval, Math.ceil(interval * 1.5));
  }
}
