import {
  clientIdInputSchema,
  clientListOutputSchema,
  clientWebhookSecretOutputSchema,
  registerInputSchema,
  registerOutputSchema,
  revokeOutputSchema,
  rotateInputSchema,
  rotateOutputSchema,
  tokenInputSchema,
  tokenOutputSchema,
  unsuspendOutputSchema,
} from '@claude-proxy/core';
import { applyFailedAuthHeaders } from '../../rate-limit/rate-limit-headers.js';
import type { ResponseHeaders } from '../../response-headers.js';
import { authedProcedure, publicProcedure } from '../../trpc.js';

const noStore = (headers: ResponseHeaders) => headers.set('Cache-Control', 'no-store');

/** E8: admin only; the key (and the webhook secret) appear in this answer and never again. */
export const registerProcedure = authedProcedure('admin')
  .input(registerInputSchema)
  .output(registerOutputSchema)
  .mutation(({ ctx, input }) => {
    noStore(ctx.responseHeaders);
    return ctx.services.auth.clients.register(input);
  });

/** E9: the key travels in the body, so this procedure authenticates it itself. */
export const tokenProcedure = publicProcedure
  .meta({ credentialInBody: true })
  .input(tokenInputSchema)
  .output(tokenOutputSchema)
  .mutation(async ({ ctx, input }) => {
    noStore(ctx.responseHeaders);
    try {
      return await ctx.services.auth.issueToken(input, ctx.ip);
    } catch (error) {
      applyFailedAuthHeaders(ctx, error);
      throw error;
    }
  });

export const listClientsProcedure = authedProcedure('admin')
  .output(clientListOutputSchema)
  .query(({ ctx }) => {
    noStore(ctx.responseHeaders);
    return ctx.services.auth.clients.list();
  });

/** A7: the client's keys and every token derived from them stop working on every instance. */
export const revokeClientProcedure = authedProcedure('admin')
  .input(clientIdInputSchema)
  .output(revokeOutputSchema)
  .mutation(({ ctx, input }) => ctx.services.auth.clients.revoke(input.clientId));

/** A7: a new key, returned once; the old one stops at once or after `gracePeriod`. */
export const rotateKeyProcedure = authedProcedure('admin')
  .input(rotateInputSchema)
  .output(rotateOutputSchema)
  .mutation(({ ctx, input }) => {
    noStore(ctx.responseHeaders);
    return ctx.services.auth.clients.rotate(input);
  });

/** A8: lifts a suspension made by the anomaly watch. */
export const unsuspendClientProcedure = authedProcedure('admin')
  .input(clientIdInputSchema)
  .output(unsuspendOutputSchema)
  .mutation(({ ctx, input }) => ctx.services.auth.clients.unsuspend(input.clientId));

/** A new webhook signing secret for the client, returned once. */
export const rotateWebhookSecretProcedure = authedProcedure('admin')
  .input(clientIdInputSchema)
  .output(clientWebhookSecretOutputSchema)
  .mutation(({ ctx, input }) => {
    noStore(ctx.responseHeaders);
    return ctx.services.auth.clients.rotateWebhookSecret(input.clientId);
  });
