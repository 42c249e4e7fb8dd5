// Types for scripts/build-server.js (plain JavaScript so that bin/postroom.js and postinstall run it
// without a transpiler).
export const SERVER_DIST: string;
export function serverFingerprint(): string;
export function serverBuildIsCurrent(fingerprint?: string): boolean;
export function buildServer(options?: { force?: boolean }): Promise<boolean>;
