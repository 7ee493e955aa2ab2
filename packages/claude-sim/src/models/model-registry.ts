import type { ModelInfo } from './model-table.js';

/** The wire shape of `GET /v1/models` items. */
export interface ApiModelInfo {
  type: 'model';
  id: string;
  display_name: string;
  created_at: string;
  max_input_tokens?: number;
  max_tokens: number;
}

/** Lookup over a model table; built once per simulator so requests pay one Map lookup. */
export class ModelRegistry {
  private readonly byName = new Map<string, ModelInfo>();
  /** Active models, newest first, as the list endpoint returns them. */
  readonly listed: ApiModelInfo[];

  constructor(models: readonly ModelInfo[]) {
    for (const m of models) {
      this.byName.set(m.id, m);
      for (const alias of m.aliases ?? []) this.byName.set(alias, m);
    }
    this.listed = models
      .filter((m) => !m.retired)
      .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))
      .map(toApiModel);
  }

  /** Resolves an id or alias to an active model; unknown and retired ids give undefined. */
  resolve(name: string): ModelInfo | undefined {
    const m = this.byName.get(name);
    return m && !m.retired ? m : undefined;
  }
}

export function toApiModel(m: ModelInfo): ApiModelInfo {
  const out: ApiModelInfo = {
    type: 'model',
    id: m.id,
    display_name: m.displayName,
    created_at: m.createdAt,
    max_tokens: m.maxOutputTokens,
  };
  if (m.maxInputTokens !== undefined) out.max_input_tokens = m.maxInputTokens;
  return out;
}
