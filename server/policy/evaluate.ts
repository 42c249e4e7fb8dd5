// The one entry point for "what would happen to this mail?": the SMTP listener calls the stage
// functions as the conversation goes, the console's "try it" box calls evaluatePolicy.
import { rawDb } from '../store/raw';
import type { AccessRuleLike } from './access';
import {
  decideConnect,
  decideSender,
  decideRecipient,
  type ConnectDecision,
  type Decision,
  type RecipientDecision,
  type ClientState,
} from './decide';
import { databaseDirectory, type PolicyDirectory } from './directory';

export interface PolicyQuery {
  clientIp: string;
  clientHostname?: string | null;
  /** A mailbox address the client authenticated as. */
  authenticatedUser?: string | null;
  sender: string;
  recipient: string;
}

export interface PolicyEvaluation {
  connect: ConnectDecision;
  sender: Decision | null;
  recipient: RecipientDecision | null;
  /** The decision that ends the transaction: the first refusal, else the recipient's. */
  final: Decision;
}

/**
 * Every rule, read at each SMTP connection so that a rule added in the console or the CLI (another
 * process) counts from the next one. Plain SQL, not Prisma: Prisma runs every query through its
 * WebAssembly query compiler (6 % of the worker's CPU, all queries, in bench/smtp.ts's
 * one-message-per-connection profile). On SQLite the rows come from memory until any process
 * commits (store/raw.ts readCached); MariaDB has no such signal, so there it is one plain read.
 * Shared rows: do not mutate.
 */
export async function loadAccessRules(): Promise<AccessRuleLike[]> {
  const rows = await rawDb().readCached<AccessRuleLike>(
    'SELECT id, pattern, scope, action, message, position FROM access_rules',
  );
  // Integer columns may come back as bigint from a driver; the policy compares numbers.
  return rows.map((row) =>
    typeof row.id === 'number' && typeof row.position === 'number'
      ? row
      : { ...row, id: Number(row.id), position: Number(row.position) },
  );
}

/** Evaluates every stage in order; later stages are skipped once one refuses. */
export async function evaluatePolicy(
  query: PolicyQuery,
  options: { rules?: AccessRuleLike[]; directory?: PolicyDirectory } = {},
): Promise<PolicyEvaluation> {
  const rules = options.rules ?? (await loadAccessRules());
  const directory = options.directory ?? databaseDirectory;
  const connect = decideConnect(rules, query.clientIp, query.clientHostname);
  if (connect.verdict === 'reject') return { connect, sender: null, recipient: null, final: connect };
  const client: ClientState = {
    ip: query.clientIp,
    hostname: query.clientHostname,
    user: query.authenticatedUser?.trim().toLowerCase() || null,
    relayClient: connect.relayClient,
  };
  const sender = await decideSender(rules, directory, client, query.sender);
  if (sender.verdict === 'reject') return { connect, sender, recipient: null, final: sender };
  const recipient = await decideRecipient(rules, directory, client, query.recipient);
  // A DISCARD at connect or sender time swallows what would otherwise be accepted.
  const discardedBy = [connect, sender].find((decision) => decision.verdict === 'discard');
  const final =
    recipient.verdict === 'accept' && discardedBy ? { ...discardedBy, reply: recipient.reply } : recipient;
  return { connect, sender, recipient, final };
}
