// How much Sieve a mailbox may keep: the script size (also the compiler's limit) and the number
// of scripts. From the environment, read once.
function positive(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

export interface SieveLimits {
  maxScriptBytes: number;
  maxScripts: number;
  /** Redirects one message may cause (RFC 5804 MAXREDIRECTS). */
  maxRedirects: number;
}

let cached: SieveLimits | undefined;

export function sieveLimits(): SieveLimits {
  cached ??= {
    maxScriptBytes: positive('POSTROOM_SIEVE_MAX_SCRIPT_BYTES', 64 * 1024),
    maxScripts: positive('POSTROOM_SIEVE_MAX_SCRIPTS', 32),
    maxRedirects: positive('POSTROOM_SIEVE_MAX_REDIRECTS', 4),
  };
  return cached;
}
