import type { RecordedRequest } from './types.js';

/** Fixed-size ring buffer of received requests, so a long benchmark cannot grow memory without bound. */
export class RequestLog {
  private readonly items: Array<RecordedRequest | undefined>;
  private next = 0;
  private size = 0;

  constructor(readonly limit: number) {
    this.items = new Array(Math.max(1, limit));
  }

  add(record: RecordedRequest): void {
    this.items[this.next] = record;
    this.next = (this.next + 1) % this.items.length;
    if (this.size < this.items.length) this.size += 1;
  }

  /** Oldest first. */
  list(path?: string): RecordedRequest[] {
    const out: RecordedRequest[] = [];
    const start = (this.next - this.size + this.items.length) % this.items.length;
    for (let i = 0; i < this.size; i++) {
      const record = this.items[(start + i) % this.items.length]!;
      if (path === undefined || record.path === path) out.push(record);
    }
    return out;
  }

  clear(): void {
    this.items.fill(undefined);
    this.next = 0;
    this.size = 0;
  }
}
