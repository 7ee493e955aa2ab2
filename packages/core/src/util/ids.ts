import { randomBytes, randomUUID } from 'node:crypto';

export type IdGenerator = (prefix: string) => string;

/** Ids carry a prefix (`task_…`, `client_…`) and 128 bits of randomness in base64url. */
export const newId: IdGenerator = (prefix) => `${prefix}_${randomBytes(16).toString('base64url')}`;

export const newRequestId = (): string => randomUUID();
