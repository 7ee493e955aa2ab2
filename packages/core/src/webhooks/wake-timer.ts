/**
 * One timer to the earliest pending wake-up. Retries are scheduled in pg-boss with a delay; a worker would see
 * them only on its next poll, so this process nudges its own worker when the earliest one comes due.
 * Constant memory: later wake-ups are left to the regular poll.
 */
export function createWakeTimer(onWake: () => void) {
  let timer: NodeJS.Timeout | undefined;
  let dueAt = Number.POSITIVE_INFINITY;
  return {
    at(due: number, now: number) {
      if (due >= dueAt) return;
      if (timer) clearTimeout(timer);
      dueAt = due;
      // A few ms late so the job's start_after (set by Postgres' clock) has passed.
      timer = setTimeout(
        () => {
          timer = undefined;
          dueAt = Number.POSITIVE_INFINITY;
          onWake();
        },
        Math.max(0, due - now) + 20,
      );
      timer.unref();
    },
    clear() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      dueAt = Number.POSITIVE_INFINITY;
    },
  };
}
