/** Messages follow the real API's pydantic-style wording: `<dotted.path>: <problem>`. */
export type Problem = string | undefined;

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function extraField(value: Record<string, unknown>, allowed: ReadonlySet<string>, path: string): Problem {
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) return `${path}${key}: Extra inputs are not permitted`;
  }
  return undefined;
}

export function requiredFields(value: Record<string, unknown>, fields: readonly string[]): Problem {
  for (const field of fields) {
    if (value[field] === undefined) return `${field}: Field required`;
  }
  return undefined;
}

export function checkNumber(value: unknown, path: string, min: number, max?: number, integer = false): Problem {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return `${path}: Input should be a valid ${integer ? 'integer' : 'number'}`;
  }
  if (integer && !Number.isInteger(value)) return `${path}: Input should be a valid integer`;
  if (value < min) return `${path}: Input should be greater than or equal to ${min}`;
  if (max !== undefined && value > max) return `${path}: Input should be less than or equal to ${max}`;
  return undefined;
}

export function checkString(value: unknown, path: string): Problem {
  if (value === undefined || typeof value === 'string') return undefined;
  return `${path}: Input should be a valid string`;
}

export function checkBoolean(value: unknown, path: string): Problem {
  if (value === undefined || typeof value === 'boolean') return undefined;
  return `${path}: Input should be a valid boolean`;
}
