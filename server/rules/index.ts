// Sieve rules' public face: each mailbox's scripts (ManageSieve, the webmail's Filters page), the
// administrator's script, and what delivery needs to run them.
export {
  listSieveScripts,
  getSieveScript,
  putSieveScript,
  checkSieveScript,
  checkScriptSize,
  activateSieveScript,
  renameSieveScript,
  deleteSieveScript,
  type SieveScriptInfo,
} from './scripts';
export { getAdminSieveScript, putAdminSieveScript } from './admin';
export { sieveStatus } from './status';
export { checkScriptName, MAX_SCRIPT_NAME_CHARS } from './names';
export { ActiveScriptError, ScriptExistsError, ScriptQuotaError } from './errors';
export { sieveLimits, type SieveLimits } from './limits';
export { deliveryScripts, type DeliveryScripts } from './delivery-scripts';
export { claimVacationReply } from './vacation-memory';
export { mailboxAddresses } from './addresses';
