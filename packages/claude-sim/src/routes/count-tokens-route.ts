import type { ApiErrorReply } from '../errors/api-error.js';
import { countInputTokens } from '../generation/token-model.js';
import type { Exchange } from '../http/exchange.js';
import type { SimState } from '../sim-state.js';
import { validateCountTokensRequest } from '../validation/validate-message-request.js';
import { type ParsedBody, preflight } from './preflight.js';

/** Same count as a Messages reply's `usage.input_tokens` for the same model, system, messages and tools. */
export function handleCountTokens(ex: Exchange, state: SimState, body: ParsedBody): string | ApiErrorReply {
  const preflightError = preflight(ex, state, body);
  if (preflightError) return preflightError;
  const checked = validateCountTokensRequest(body.value, {
    models: state.models,
    consecutiveRoles: state.consecutiveRoles,
  });
  if (!checked.ok) return checked.error;
  return JSON.stringify({ input_tokens: countInputTokens(checked.request) });
}
