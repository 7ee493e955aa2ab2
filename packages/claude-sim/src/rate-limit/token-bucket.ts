/**
 * A bucket that refills continuously (capacity per minute), which is how Anthropic describes its
 * limiter: capacity comes back gradually rather than at a fixed window boundary.
 */
export class TokenBucket {
  private level: number;
  private updatedAt: number;
  private readonly ratePerMs: number;

  constructor(
    readonly capacity: number,
    now: number,
  ) {
    this.level = capacity;
    this.updatedAt = now;
    this.ratePerMs = capacity / 60_000;
  }

  /** Milliseconds until `amount` is available; 0 when it is available now. */
  waitFor(amount: number, now: number): number {
    this.refill(now);
    const needed = Math.min(amount, this.capacity) - this.level;
    return needed <= 0 ? 0 : Math.ceil(needed / this.ratePerMs);
  }

  take(amount: number, now: number): void {
    this.refill(now);
    this.level -= amount;
  }

  remaining(now: number): number {
    this.refill(now);
    return Math.max(0, Math.floor(this.level));
  }

  /** When the bucket will be full again. */
  resetAt(now: number): number {
    this.refill(now);
    return now + Math.ceil((this.capacity - this.level) / this.ratePerMs);
  }

  private refill(now: number): void {
    const elapsed = now - this.updatedAt;
    if (elapsed > 0) this.level = Math.min(this.capacity, this.level + elapsed * this.ratePerMs);
    this.updatedAt = now;
  }
}
