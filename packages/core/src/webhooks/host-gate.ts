/**
 * A share of this process's delivery slots per receiving host: one receiver that hangs (or is slow) can hold
 * at most `perHost` slots, so other receivers' webhooks keep moving. Holds an entry only for hosts with a
 * delivery in flight, so it is bounded by the number of slots.
 */
export interface HostGate {
  /** A release function when `host` has a free share, undefined when it is at its limit. */
  enter(host: string): (() => void) | undefined;
}

export function createHostGate(perHost: number): HostGate {
  const inFlight = new Map<string, number>();
  return {
    enter(host) {
      const count = inFlight.get(host) ?? 0;
      if (count >= perHost) return undefined;
      inFlight.set(host, count + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (inFlight.get(host) ?? 1) - 1;
        if (left <= 0) inFlight.delete(host);
        else inFlight.set(host, left);
      };
    },
  };
}
