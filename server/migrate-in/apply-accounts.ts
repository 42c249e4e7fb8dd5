// Turns an accounts snapshot into steps against this server and carries them out through
// server/domain (the same validation and audit as the console). Idempotent: what already exists
// is reported and left as it is, so a second run does nothing.
import { db } from '../core/db';
import { splitScheme } from '../auth/legacy-hashes';
import {
  addAlias,
  addDomain,
  addMailbox,
  FieldError,
  setDomainEnabled,
  setMailboxEnabled,
  SYSTEM_ACTOR,
  type Actor,
} from '../domain';
import type { AccountsSnapshot } from './accounts';

export interface ImportStep {
  kind: 'domain' | 'alias-domain' | 'mailbox' | 'alias';
  target: string;
  /** What the step does, as printed. */
  text: string;
  /** False when it is already there (printed, nothing done). */
  needed: boolean;
  run(): Promise<void>;
}

export interface StepOutcome {
  step: ImportStep;
  error?: string;
}

/** The hash's scheme as people know it, for the plan ("bcrypt", "SHA512-CRYPT"...). */
export function describeHash(stored: string): string {
  const { scheme, hash } = splitScheme(stored);
  if (scheme) return scheme;
  if (/^\$2[aby]\$/.test(hash)) return 'bcrypt';
  if (hash.startsWith('$6$')) return 'SHA512-CRYPT';
  if (hash.startsWith('$5$')) return 'SHA256-CRYPT';
  if (hash.startsWith('$1$')) return 'MD5-CRYPT';
  if (hash.startsWith('$argon2id$')) return 'argon2id';
  return 'unknown scheme';
}

export async function planAccountImport(
  snapshot: AccountsSnapshot,
  actor: Actor = SYSTEM_ACTOR,
): Promise<ImportStep[]> {
  const [domains, users, aliases] = await Promise.all([
    db().domain.findMany({ select: { domain: true } }),
    db().user.findMany({ select: { local: true, domain: true } }),
    db().alias.findMany({
      select: { sourceLocal: true, sourceDomain: true, destinationLocal: true, destinationDomain: true },
    }),
  ]);
  const haveDomains = new Set(domains.map((d) => d.domain));
  const haveUsers = new Set(users.map((u) => `${u.local}@${u.domain}`));
  const haveAliases = new Set(
    aliases.map((a) => `${a.sourceLocal}@${a.sourceDomain}>${a.destinationLocal}@${a.destinationDomain}`),
  );
  const steps: ImportStep[] = [];
  for (const { domain, enabled } of snapshot.domains)
    steps.push({
      kind: 'domain',
      target: domain,
      text: `domain ${domain}${enabled ? '' : ' (disabled)'}`,
      needed: !haveDomains.has(domain),
      async run() {
        await addDomain(domain, {}, actor);
        if (!enabled) await setDomainEnabled(domain, false, actor);
      },
    });
  for (const { domain, target } of snapshot.aliasDomains)
    steps.push({
      kind: 'alias-domain',
      target: domain,
      text: `alias domain ${domain} -> ${target}`,
      needed: !haveDomains.has(domain),
      run: async () => void (await addDomain(domain, { aliasOf: target }, actor)),
    });
  for (const mailbox of snapshot.mailboxes)
    steps.push({
      kind: 'mailbox',
      target: mailbox.address,
      text: `mailbox ${mailbox.address} (${describeHash(mailbox.passwordHash)} hash kept${mailbox.enabled ? '' : ', disabled'})`,
      needed: !haveUsers.has(mailbox.address),
      async run() {
        await addMailbox(
          {
            address: mailbox.address,
            password: '',
            passwordHash: mailbox.passwordHash,
            displayName: mailbox.displayName,
            quota: mailbox.quotaBytes > 0n ? `${mailbox.quotaBytes}` : 0,
          },
          actor,
        );
        if (!mailbox.enabled) await setMailboxEnabled(mailbox.address, false, actor);
      },
    });
  for (const alias of snapshot.aliases) {
    const missing = alias.destinations.filter((d) => !haveAliases.has(`${alias.source}>${d}`));
    steps.push({
      kind: 'alias',
      target: alias.source,
      text: `alias ${alias.source} -> ${alias.destinations.join(', ')}`,
      needed: missing.length > 0,
      run: async () => void (await addAlias(alias.source, missing, actor)),
    });
  }
  return steps;
}

/** Runs the needed steps in order; one step's refusal is reported and the others go on. */
export async function applyAccountImport(
  steps: ImportStep[],
  onOutcome: (outcome: StepOutcome) => void = () => {},
): Promise<StepOutcome[]> {
  const outcomes: StepOutcome[] = [];
  for (const step of steps) {
    if (!step.needed) continue;
    let outcome: StepOutcome;
    try {
      await step.run();
      outcome = { step };
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      outcome = {
        step,
        error: error instanceof FieldError ? error.message : `${error.name}: ${error.message}`,
      };
    }
    outcomes.push(outcome);
    onOutcome(outcome);
  }
  return outcomes;
}
