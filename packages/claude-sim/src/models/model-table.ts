/**
 * One row of the simulator's model table. The table is data: pass `models` to `startSimulator` to
 * replace it (e.g. to add a model released after this table was written).
 */
export interface ModelInfo {
  /** The snapshot id, e.g. `claude-sonnet-4-5-20250929` (from 4.6 on ids carry no date). */
  id: string;
  /** Other names that resolve to this id, e.g. `claude-sonnet-4-5`. */
  aliases?: string[];
  displayName: string;
  /** RFC 3339. `GET /v1/models` lists newest first by this field. */
  createdAt: string;
  /** Output cap: a larger `max_tokens` is a 400. */
  maxOutputTokens: number;
  maxInputTokens?: number;
  /** Retired models answer 404 not_found_error and are not listed. */
  retired?: boolean;
  /** Sonnet 4.5, Haiku 4.5, Opus 4.1 and later reject `temperature` together with `top_p`. */
  exclusiveTemperatureTopP?: boolean;
  /** Models after Opus 4.6 accept `temperature` only as 1, `top_p` only >= 0.99, and never `top_k`. */
  fixedSampling?: boolean;
}

const CONTEXT_200K = 200_000;

/**
 * Ids, aliases, caps and status as listed in docs/design anthropic-api.md §6 (state of late 2026).
 * `createdAt` dates follow the snapshot date where the id has one; for dateless ids they are approximate.
 */
export const DEFAULT_MODELS: readonly ModelInfo[] = Object.freeze([
  model('claude-fable-5', 'Claude Fable 5', '2026-09-15', 128_000, { fixedSampling: true }),
  model('claude-sonnet-5', 'Claude Sonnet 5', '2026-08-20', 128_000, { fixedSampling: true }),
  model('claude-opus-5', 'Claude Opus 5', '2026-08-05', 128_000, { fixedSampling: true }),
  model('claude-opus-4-8', 'Claude Opus 4.8', '2026-06-10', 128_000, { fixedSampling: true }),
  model('claude-opus-4-7', 'Claude Opus 4.7', '2026-04-15', 128_000, { fixedSampling: true }),
  model('claude-sonnet-4-6', 'Claude Sonnet 4.6', '2026-02-17', 128_000),
  model('claude-opus-4-6', 'Claude Opus 4.6', '2026-02-05', 128_000),
  model('claude-opus-4-5-20251101', 'Claude Opus 4.5', '2025-11-01', 64_000, { aliases: ['claude-opus-4-5'] }),
  model('claude-haiku-4-5-20251001', 'Claude Haiku 4.5', '2025-10-01', 64_000, { aliases: ['claude-haiku-4-5'] }),
  model('claude-sonnet-4-5-20250929', 'Claude Sonnet 4.5', '2025-09-29', 64_000, { aliases: ['claude-sonnet-4-5'] }),
  model('claude-opus-4-1-20250805', 'Claude Opus 4.1', '2025-08-05', 32_000, {
    aliases: ['claude-opus-4-1'],
    retired: true,
  }),
  legacy('claude-opus-4-20250514', 'Claude Opus 4', '2025-05-14', 32_000, ['claude-opus-4-0']),
  legacy('claude-sonnet-4-20250514', 'Claude Sonnet 4', '2025-05-14', 64_000, ['claude-sonnet-4-0']),
  legacy('claude-3-7-sonnet-20250219', 'Claude Sonnet 3.7', '2025-02-19', 64_000, ['claude-3-7-sonnet-latest']),
  legacy('claude-3-5-haiku-20241022', 'Claude Haiku 3.5', '2024-10-22', 8_192, ['claude-3-5-haiku-latest']),
  legacy('claude-3-opus-20240229', 'Claude Opus 3', '2024-02-29', 4_096, ['claude-3-opus-latest']),
  // Announced for retirement on 2026-04-19, which is in the past for the state this table describes.
  legacy('claude-3-haiku-20240307', 'Claude Haiku 3', '2024-03-07', 4_096, []),
]);

function model(
  id: string,
  displayName: string,
  day: string,
  maxOutputTokens: number,
  extra: Partial<ModelInfo> = {},
): ModelInfo {
  return Object.freeze({
    id,
    displayName,
    createdAt: `${day}T00:00:00Z`,
    maxOutputTokens,
    maxInputTokens: CONTEXT_200K,
    exclusiveTemperatureTopP: true,
    ...extra,
  });
}

function legacy(id: string, displayName: string, day: string, maxOutputTokens: number, aliases: string[]): ModelInfo {
  return model(id, displayName, day, maxOutputTokens, { aliases, retired: true, exclusiveTemperatureTopP: false });
}
