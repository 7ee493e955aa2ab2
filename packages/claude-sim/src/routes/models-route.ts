import { type ApiErrorReply, apiError, invalidRequest } from '../errors/api-error.js';
import type { Exchange } from '../http/exchange.js';
import { toApiModel } from '../models/model-registry.js';
import type { SimState } from '../sim-state.js';
import { preflight } from './preflight.js';

/** `GET /v1/models`: newest first, cursor-paginated with `limit`, `after_id` and `before_id`. */
/** Returns the JSON body of a 200, or the error to send. */
export function handleListModels(ex: Exchange, state: SimState, query: URLSearchParams): string | ApiErrorReply {
  const preflightError = preflight(ex, state);
  if (preflightError) return preflightError;
  const limitParam = query.get('limit');
  const limit = limitParam === null ? 20 : Number(limitParam);
  if (!Number.isInteger(limit)) return invalidRequest('limit: Input should be a valid integer');
  if (limit < 1) return invalidRequest('limit: Input should be greater than or equal to 1');
  if (limit > 1000) return invalidRequest('limit: Input should be less than or equal to 1000');

  const all = state.models.listed;
  const afterId = query.get('after_id');
  const beforeId = query.get('before_id');
  let page: typeof all;
  let hasMore: boolean;
  if (beforeId !== null) {
    const end = Math.max(
      0,
      all.findIndex((m) => m.id === beforeId),
    );
    const start = Math.max(0, end - limit);
    page = all.slice(start, end);
    hasMore = start > 0;
  } else {
    const start = afterId === null ? 0 : all.findIndex((m) => m.id === afterId) + 1;
    page = start === 0 && afterId !== null ? [] : all.slice(start, start + limit);
    hasMore = start + limit < all.length && page.length > 0;
  }
  const body = {
    data: page,
    has_more: hasMore,
    first_id: page[0]?.id ?? null,
    last_id: page[page.length - 1]?.id ?? null,
  };
  return JSON.stringify(body);
}

/** `GET /v1/models/{id-or-alias}`: an alias resolves to its snapshot. */
export function handleGetModel(ex: Exchange, state: SimState, id: string): string | ApiErrorReply {
  const preflightError = preflight(ex, state);
  if (preflightError) return preflightError;
  const model = state.models.resolve(id);
  if (!model) return apiError('not_found_error', `model: ${id}`);
  return JSON.stringify(toApiModel(model));
}
