/** The resolved `JobsAdminOptions` (injection token). */
export const JOBS_ADMIN_OPTIONS = Symbol('JOBS_ADMIN_OPTIONS');

/**
 * The header every action (POST) must carry, `X-Jobs-Admin: 1`. A cross-site HTML form cannot set a
 * header, and a cross-site script can only after a CORS preflight the app does not answer, so a
 * request with it comes from a page of the console's own origin (or from a script, not a browser).
 */
export const ADMIN_ACTION_HEADER = 'x-jobs-admin';
