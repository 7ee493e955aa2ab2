import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_KEY_PREFIX = 'sk_live_';
/** 24 random bytes = 192 bits, 32 base64url characters: 40 in all, well under bcrypt's 72-byte limit. */
const RANDOM_BYTES = 24;
const API_KEY = /^sk_live_[A-Za-z0-9_-]{32}$/;
/** Characters after `sk_live_` kept in clear for lookup and display (48 bits: collisions are rare, and handled). */
const LOOKUP_CHARS = 8;

export interface GeneratedApiKey {
  apiKey: string;
  /** `sk_live_` plus the first characters: stored in clear, shown in listings. */
  prefix: string;
}

export function generateApiKey(): GeneratedApiKey {
  const apiKey = API_KEY_PREFIX + randomBytes(RANDOM_BYTES).toString('base64url');
  return { apiKey, prefix: apiKeyPrefix(apiKey) };
}

export function isApiKeyFormat(value: string): boolean {
  return API_KEY.test(value);
}

export function apiKeyPrefix(apiKey: string): string {
  return apiKey.slice(0, API_KEY_PREFIX.length + LOOKUP_CHARS);
}

/** A JWT has three base64url segments separated by dots. */
export function isJwtFormat(value: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(value);
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Constant-time comparison of two secrets of any length (hashes first so lengths leak nothing). */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
