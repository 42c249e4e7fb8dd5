// What an account import brings over, whatever the source: a neutral snapshot of domains, alias
// domains, mailboxes (with their hashes as stored) and aliases.
export interface ImportedMailbox {
  address: string;
  passwordHash: string;
  displayName: string;
  quotaBytes: bigint;
  enabled: boolean;
}

export interface ImportedAlias {
  /** `user@domain`, or `@domain` for a catch-all. */
  source: string;
  destinations: string[];
}

export interface AccountsSnapshot {
  schema: 'seed' | 'postfixadmin';
  domains: { domain: string; enabled: boolean }[];
  aliasDomains: { domain: string; target: string }[];
  mailboxes: ImportedMailbox[];
  aliases: ImportedAlias[];
  /** Rows left out and why (printed with the plan). */
  notes: string[];
}
