import type { ServerResponse } from 'node:http';
import { checkOutcomes } from '../faults/fault-plan.js';
import type { SimState } from '../sim-state.js';
import type { MutableOptions, ScriptedOutcome } from '../types.js';
import { parseBody } from './preflight.js';

const MUTABLE_KEYS: ReadonlySet<string> = new Set(['ttftMs', 'tokensPerSecond', 'faultRate', 'rateLimit', 'apiKeys']);

interface ControlReply {
  status: number;
  body: unknown;
}

/**
 * `/_sim/*` control endpoints, for driving a simulator that runs in another process (the CLI).
 * They need no key and are never recorded.
 */
export function handleControl(
  method: string,
  path: string,
  query: URLSearchParams,
  raw: string,
  state: SimState,
  res: ServerResponse,
): void {
  const { status, body } = control(`${method} ${path}`, query, raw, state);
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function control(route: string, query: URLSearchParams, raw: string, state: SimState): ControlReply {
  const parsed = parseBody(raw);
  if (parsed.parseError !== undefined) return { status: 400, body: { error: `invalid JSON: ${parsed.parseError}` } };
  const value = (parsed.value ?? {}) as Record<string, unknown>;
  switch (route) {
    case 'GET /_sim/health':
      return { status: 200, body: { ok: true } };
    case 'GET /_sim/requests':
      return {
        status: 200,
        body: { requests: state.log.list(query.get('path') ?? undefined), messageCount: state.messageCount },
      };
    case 'POST /_sim/script': {
      const problem = checkOutcomes(value.outcomes);
      if (problem) return { status: 400, body: { error: problem } };
      state.faults.script(value.outcomes as ScriptedOutcome[]);
      return { status: 200, body: { queued: state.faults.pending() } };
    }
    case 'POST /_sim/reset':
      state.reset();
      return { status: 200, body: { ok: true } };
    case 'POST /_sim/options': {
      const unknown = Object.keys(value).filter((key) => !MUTABLE_KEYS.has(key));
      if (unknown.length > 0) return { status: 400, body: { error: `not settable at runtime: ${unknown.join(', ')}` } };
      state.apply(value as MutableOptions);
      return { status: 200, body: { ok: true } };
    }
    default:
      return { status: 404, body: { error: `no control endpoint ${route}` } };
  }
}
