/** The release version reported by /api/health. Bumped with each release. */
export const VERSION = '0.1.0';
