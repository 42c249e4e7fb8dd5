// The shared auth core's public face.
export {
  authenticate,
  authenticateToken,
  type AuthenticatedUser,
  type LoginResult,
  type LoginAttempt,
} from './login';
export { hashPassword, verifyPassword, checkPasswordStrength, passwordScore } from './password';
export {
  decodePlain,
  decodeLoginField,
  decodeBearer,
  BEARER_ERROR_CHALLENGE,
  type SaslCredentials,
  type BearerCredentials,
} from './sasl';
export { throttleState, pruneFailures } from './throttle';
export { normalizeLoginName, resolveLoginName } from './login-name';
export { mintAccessToken, verifyAccessToken } from './tokens';
