import { AppError } from '../errors/app-error.js';

/**
 * The spec's model names ("claude-3", "claude-3-opus") are aliases; this is the documented default map to
 * current model ids. Real ids map to themselves so callers may name them directly. Configurable per deployment.
 */
export const DEFAULT_MODEL_ALIASES: Readonly<Record<string, string>> = {
  'claude-3': 'claude-sonnet-4-6',
  'claude-3-opus': 'claude-opus-4-6',
  'claude-3-sonnet': 'claude-sonnet-4-6',
  'claude-3-haiku': 'claude-haiku-4-5-20251001',
  'claude-opus': 'claude-opus-4-6',
  'claude-sonnet': 'claude-sonnet-4-6',
  'claude-haiku': 'claude-haiku-4-5-20251001',
  'claude-opus-4-6': 'claude-opus-4-6',
  'claude-sonnet-4-6': 'claude-sonnet-4-6',
  'claude-opus-4-5': 'claude-opus-4-5-20251101',
  'claude-opus-4-5-20251101': 'claude-opus-4-5-20251101',
  'claude-sonnet-4-5': 'claude-sonnet-4-5-20250929',
  'claude-sonnet-4-5-20250929': 'claude-sonnet-4-5-20250929',
  'claude-haiku-4-5': 'claude-haiku-4-5-20251001',
  'claude-haiku-4-5-20251001': 'claude-haiku-4-5-20251001',
};

export const DEFAULT_MODEL = 'claude-3';

/** Resolves a caller's model name to the id sent upstream; an unknown name is the caller's mistake (400). */
export function resolveModel(aliases: Readonly<Record<string, string>>, name: string): string {
  const id = Object.hasOwn(aliases, name) ? aliases[name] : undefined;
  if (id === undefined) {
    throw new AppError('invalid_request', `Unknown model: ${name}`, {
      details: `Known models: ${Object.keys(aliases).join(', ')}`,
    });
  }
  return id;
}
