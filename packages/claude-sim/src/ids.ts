import { randomBytes } from 'node:crypto';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** Random per-process prefix plus a counter: unique ids without a syscall per request. */
function idFactory(prefix: string, length: number): () => string {
  const seed = randomBytes(length);
  let stem = '';
  for (const byte of seed) stem += ALPHABET[byte % ALPHABET.length];
  let counter = 0;
  return () => {
    counter += 1;
    const tail = counter.toString(36);
    return prefix + stem.slice(0, Math.max(0, length - tail.length)) + tail;
  };
}

/** Shapes follow the real ones (`req_011C…`, `msg_01…`); clients must not parse them anyway. */
export const newRequestId = idFactory('req_011C', 20);
export const newMessageId = idFactory('msg_01', 22);
export const newRecordId = idFactory('rec_', 12);
