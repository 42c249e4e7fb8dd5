export { backup, type BackupResult, type InstanceLocation } from './backup';
export { restore, RestoreRefused, type RestoreResult } from './restore';
export { verifyBackup, type VerifyResult } from './verify';
export { stderrProgress } from './progress';
