import { type ApiErrorReply, invalidRequest } from '../errors/api-error.js';
import type { Exchange } from '../http/exchange.js';
import type { SimState } from '../sim-state.js';
import { validateHeaders } from '../validation/validate-headers.js';

export interface ParsedBody {
  raw: string;
  value: unknown;
  /** Set when `raw` is not valid JSON. */
  parseError?: string;
}

export function parseBody(raw: string): ParsedBody {
  if (raw === '') return { raw, value: undefined };
  try {
    return { raw, value: JSON.parse(raw) };
  } catch (error) {
    return { raw, value: raw, parseError: (error as Error).message };
  }
}

/** Checks shared by every /v1 endpoint, in the real API's order: key, version, then the body's JSON. */
export function preflight(ex: Exchange, state: SimState, body?: ParsedBody): ApiErrorReply | undefined {
  const headerError = validateHeaders(ex.req.headers, state.validKeys);
  if (headerError) return headerError;
  if (body?.parseError !== undefined) {
    return invalidRequest(`There was an error parsing the body of your request: ${body.parseError}`);
  }
  return undefined;
}
