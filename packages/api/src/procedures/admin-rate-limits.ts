import {
  clientLimitsSchema,
  clientRateLimitsOutputSchema,
  normalizeClientLimits,
  type Services,
} from '@claude-proxy/core';
import { z } from 'zod';
import { authedProcedure } from '../trpc.js';

const clientIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'clientId may contain letters, digits, and _ . : -');

const byClient = z.strictObject({ clientId: clientIdSchema });

async function view(services: Services, clientId: string) {
  const stored = await services.rateLimits.overrides.read(clientId);
  return {
    clientId,
    overrides: stored?.limits ?? {},
    limits: await services.rateLimits.limitsFor(clientId),
    updatedAt: stored ? stored.updatedAt.toISOString() : null,
  };
}

/** GET /api/admin/rate-limits/:clientId: the client's overrides and the limits in force. */
export const getClientRateLimitsProcedure = authedProcedure('admin')
  .input(byClient)
  .output(clientRateLimitsOutputSchema)
  .query(async ({ ctx, input }) => {
    await ctx.services.auth.clients.assertExists(input.clientId);
    return view(ctx.services, input.clientId);
  });

/**
 * PUT /api/admin/rate-limits/:clientId: replaces the client's overrides (requests per minute by type,
 * maxTokens cap); a field left out or null falls back to the default. Every instance sees it at once.
 */
export const setClientRateLimitsProcedure = authedProcedure('admin')
  .input(z.strictObject({ clientId: clientIdSchema, limits: clientLimitsSchema }))
  .output(clientRateLimitsOutputSchema)
  .mutation(async ({ ctx, input }) => {
    // An override for a client that does not exist would sit unused (and hide a typo): 404.
    await ctx.services.auth.clients.assertExists(input.clientId);
    await ctx.services.rateLimits.overrides.set(input.clientId, normalizeClientLimits(input.limits));
    return view(ctx.services, input.clientId);
  });

/** DELETE /api/admin/rate-limits/:clientId: back to the defaults. */
export const clearClientRateLimitsProcedure = authedProcedure('admin')
  .input(byClient)
  .output(clientRateLimitsOutputSchema)
  .mutation(async ({ ctx, input }) => {
    await ctx.services.auth.clients.assertExists(input.clientId);
    await ctx.services.rateLimits.overrides.delete(input.clientId);
    return view(ctx.services, input.clientId);
  });
