import { router } from '../../trpc.js';
import {
  listClientsProcedure,
  registerProcedure,
  revokeClientProcedure,
  rotateKeyProcedure,
  rotateWebhookSecretProcedure,
  tokenProcedure,
  unsuspendClientProcedure,
} from './auth-procedures.js';

export const authRouter = router({
  register: registerProcedure,
  token: tokenProcedure,
  listClients: listClientsProcedure,
  revokeClient: revokeClientProcedure,
  rotateKey: rotateKeyProcedure,
  unsuspendClient: unsuspendClientProcedure,
  rotateWebhookSecret: rotateWebhookSecretProcedure,
});
