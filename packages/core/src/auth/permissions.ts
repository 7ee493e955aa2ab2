/** The closed set of permissions (A6): `query` for E1, `queue` for E2–E6, `admin` for registration and admin routes. */
export const PERMISSIONS = ['query', 'queue', 'admin'] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** The authenticated caller. `clientId` scopes tasks and the cache (A9). */
export interface Principal {
  clientId: string;
  permissions: readonly Permission[];
}

/** An administrator may do everything a client may: it could register itself such a client anyway. */
export function hasPermission(principal: Principal, permission: Permission): boolean {
  return principal.permissions.includes(permission) || principal.permissions.includes('admin');
}
