import { z } from 'zod';
import { storableString } from '../util/text.js';
import { parseIsoDuration, parseLifetime } from './duration.js';
import { PERMISSIONS } from './permissions.js';

const isoDuration = z
  .string()
  .max(64)
  .refine((v) => parseIsoDuration(v) !== undefined, {
    message: 'must be an ISO 8601 duration such as P1Y, P6M, P30D or PT12H, of at most 100 years',
  });
const lifetime = z
  .string()
  .max(64)
  .refine((v) => parseLifetime(v) !== undefined, {
    message: 'must be a duration such as 1h, 30m, 7d or an ISO 8601 duration such as PT1H, of at most 100 years',
  });
const clientId = storableString().min(1).max(100);

/** E8. */
export const registerInputSchema = z.strictObject({
  name: storableString().trim().min(1, 'name must not be empty').max(200),
  description: storableString().max(2_000).optional(),
  permissions: z
    .array(z.enum(PERMISSIONS, { message: `each permission must be one of ${PERMISSIONS.join(', ')}` }))
    .min(1)
    .max(10)
    .optional(),
  expiresIn: isoDuration.optional(),
});
export type RegisterInput = z.infer<typeof registerInputSchema>;

/** E9. */
export const tokenInputSchema = z.strictObject({
  apiKey: storableString().min(1, 'apiKey is required').max(4_096),
  expiresIn: lifetime.optional(),
});
export type TokenInput = z.infer<typeof tokenInputSchema>;

export const clientIdInputSchema = z.strictObject({ clientId });
export type ClientIdInput = z.infer<typeof clientIdInputSchema>;

/** A7: the old key keeps working for `gracePeriod` (default: stops at once); `expiresIn` sets the new key's life. */
export const rotateInputSchema = z.strictObject({
  clientId,
  gracePeriod: lifetime.optional(),
  expiresIn: isoDuration.optional(),
});
export type RotateInput = z.infer<typeof rotateInputSchema>;

/* The answers of the auth routes (E8, E9, A7, A8): `.output()` of the procedures and the OpenAPI document. */
const iso = z.iso.datetime();
const permissions = z.array(z.enum(PERMISSIONS));
export const CLIENT_STATUSES = ['active', 'revoked', 'expired', 'suspended'] as const;

/** E8 (201): the key and the webhook secret are shown here and never again. */
export const registerOutputSchema = z.object({
  clientId: z.string(),
  apiKey: z.string(),
  name: z.string(),
  description: z.string().optional(),
  permissions,
  createdAt: iso,
  expiresAt: iso,
  webhookSecret: z.string().optional(),
  message: z.string(),
});

/** E9. */
export const tokenOutputSchema = z.object({ token: z.string(), expiresAt: iso, tokenType: z.literal('Bearer') });

/** A7: never a secret, only the key's visible prefix. */
export const clientListOutputSchema = z.object({
  clients: z.array(
    z.object({
      clientId: z.string(),
      name: z.string(),
      description: z.string().nullable(),
      permissions,
      status: z.enum(CLIENT_STATUSES),
      keyPrefix: z.string().nullable(),
      createdAt: iso,
      expiresAt: iso.nullable(),
      revokedAt: iso.nullable(),
      suspendedAt: iso.nullable(),
      suspendedReason: z.string().nullable(),
    }),
  ),
});

export const revokeOutputSchema = z.object({
  clientId: z.string(),
  status: z.literal('revoked'),
  revokedAt: iso,
  message: z.string(),
});

export const rotateOutputSchema = z.object({
  clientId: z.string(),
  apiKey: z.string(),
  keyPrefix: z.string(),
  expiresAt: iso.nullable(),
  previousKeyValidUntil: iso,
  message: z.string(),
});

export const unsuspendOutputSchema = z.object({
  clientId: z.string(),
  status: z.enum(CLIENT_STATUSES),
  message: z.string(),
});

export const clientWebhookSecretOutputSchema = z.object({
  clientId: z.string(),
  webhookSecret: z.string(),
  message: z.string(),
});
