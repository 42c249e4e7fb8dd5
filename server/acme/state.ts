// What ACME is doing, for the console and `postroom acme status`: DATA_DIR/acme/state.json,
// written by the worker after every attempt and read by the web app.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileWhole } from './files';
import { acmeDir } from './settings';

export interface AcmeState {
  directoryUrl?: string;
  names?: string[];
  lastAttemptAt?: string;
  lastSuccessAt?: string;
  lastError?: string;
  nextRenewalAt?: string;
  /** An attempt in progress since this time (cleared when it ends). */
  runningSince?: string;
}

function statePath(dataDir?: string): string {
  return join(acmeDir(dataDir), 'state.json');
}

export function readAcmeState(dataDir?: string): AcmeState {
  try {
    return JSON.parse(readFileSync(statePath(dataDir), 'utf8')) as AcmeState;
  } catch {
    return {};
  }
}

export function updateAcmeState(change: Partial<AcmeState>): AcmeState {
  const next = { ...readAcmeState(), ...change };
  for (const key of Object.keys(next) as (keyof AcmeState)[]) if (next[key] === undefined) delete next[key];
  writeFileWhole(statePath(), `${JSON.stringify(next, null, 2)}\n`);
  return next;
}
