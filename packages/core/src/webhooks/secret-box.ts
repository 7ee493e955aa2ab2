import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const TAG = 'enc:v1:';

/**
 * Encryption at rest for webhook signing secrets (AES-256-GCM). The secrets must stay usable for HMAC, so they
 * cannot be hashed; with a key configured a database dump alone does not let anyone forge webhooks.
 * Without a key the value is stored as is. Reading accepts both forms, so a key can be introduced later.
 */
export interface SecretBox {
  seal(plain: string): string;
  open(stored: string): string;
}

export function createSecretBox(passphrase: string | undefined): SecretBox {
  const key = passphrase ? createHash('sha256').update(passphrase).digest() : undefined;
  return {
    seal(plain) {
      if (!key) return plain;
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `${TAG}${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
    },
    open(stored) {
      if (!stored.startsWith(TAG)) return stored;
      if (!key) throw new Error('webhook secret is encrypted but no encryption key is configured');
      const raw = Buffer.from(stored.slice(TAG.length), 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}
