import { z } from 'zod';

/** NUL, or a UTF-16 surrogate without its partner: neither can be stored in a Postgres text or jsonb value. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what this looks for.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const UNSTORABLE_TEXT_MESSAGE = 'must not contain NUL characters or unpaired UTF-16 surrogates';

const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

/** True when Postgres can keep the string as it is (no NUL, no lone surrogate). */
export const isStorableText = (value: string): boolean => !UNSTORABLE.test(value);

/** The string with U+FFFD in place of each NUL and lone surrogate (for text we must keep, not refuse). */
export const toStorableText = (value: string): string => value.replace(UNSTORABLE_ALL, '\ufffd');

/** A string the store can keep: the same 400 for a NUL or a lone surrogate, whatever route it came in on. */
export const storableString = () =>
  z.string().refine(isStorableText, { message: UNSTORABLE_TEXT_MESSAGE, abort: true });
