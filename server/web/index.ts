// Web helpers shared by the admin console and the webmail.
export { getActor, requireActor, requireAdmin, isAdmin, requestClientIp } from './session';
export { isSameOrigin, rejectCrossSite } from './origin';
export { authOptions, SESSION_MAX_AGE_SECONDS } from './auth-options';
