/**
 * The headers a procedure adds to its answer (Cache-Control, X-RateLimit-*, Retry-After, X-Cache): names
 * are case-insensitive and kept lower-case, the last value set wins. The subset of web `Headers` the
 * procedures use, on a plain Map: undici's `Headers` validates and sorts on every call and cost more per
 * cache hit than the rest of the request's bookkeeping. Iterable as `[name, value]` pairs, so
 * `new Headers(responseHeaders)` turns it into web Headers where a `Response` is built.
 */
export class ResponseHeaders implements Iterable<[string, string]> {
  private readonly values = new Map<string, string>();

  set(name: string, value: string): void {
    this.values.set(name.toLowerCase(), value);
  }

  get(name: string): string | null {
    return this.values.get(name.toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.values.has(name.toLowerCase());
  }

  delete(name: string): void {
    this.values.delete(name.toLowerCase());
  }

  /** Each header as (value, lower-case name), in the order first set. */
  forEach(fn: (value: string, name: string) => void): void {
    this.values.forEach(fn);
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.values.entries();
  }
}
