// The decision for each step of an SMTP transaction (connect, MAIL FROM, RCPT TO) from the access
// rules, the local domains, mailboxes and aliases, and the client's rights. Semantics follow the
// seeds: sendmail's access map (RELAY / OK / REJECT / DISCARD) and qmail's tcp.smtp + rcpthosts.
import { findRule, type AccessRuleLike } from './access';
import { parseEnvelopeAddress } from './address';
import { REPLIES, reply, type SmtpReply } from './replies';
import { isOverQuota, type PolicyDirectory } from './directory';
import type { Expansion } from '../domain';

export type Verdict = 'accept' | 'reject' | 'discard';

export interface Decision {
  verdict: Verdict;
  reply: SmtpReply;
  /** The access rule that decided, if one did. */
  rule: AccessRuleLike | null;
  /** Why, in words, for the event log and the console. */
  reason: string;
}

export interface ConnectDecision extends Decision {
  /** A RELAY rule for this client: it may send to any domain (qmail RELAYCLIENT). */
  relayClient: boolean;
}

export interface RecipientDecision extends Decision {
  /** Accepted for a domain that is not ours. */
  relay: boolean;
  /** For a local recipient: the mailboxes and external addresses it expands to. */
  expansion: Expansion | null;
}

export interface ClientState {
  ip: string;
  /** Forward-confirmed reverse DNS name, when known. */
  hostname?: string | null;
  /** The authenticated mailbox address, if the client logged in. */
  user?: string | null;
  relayClient: boolean;
}

export function decideConnect(
  rules: AccessRuleLike[],
  ip: string,
  hostname?: string | null,
): ConnectDecision {
  const rule = findRule(rules, { scope: 'connect', ip, hostname });
  const ok = (reason: string, relayClient = false): ConnectDecision => ({
    verdict: 'accept',
    reply: reply(220, '2.0.0', 'ready'),
    rule,
    reason,
    relayClient,
  });
  switch (rule?.action) {
    case 'REJECT':
      return {
        verdict: 'reject',
        reply: REPLIES.connectRejected(rule.message),
        rule,
        reason: `client ${ip} matches REJECT ${rule.pattern}`,
        relayClient: false,
      };
    case 'DISCARD':
      return {
        verdict: 'discard',
        reply: reply(220, '2.0.0', 'ready'),
        rule,
        reason: `mail from ${ip} is discarded (${rule.pattern})`,
        relayClient: false,
      };
    case 'RELAY':
      return ok(`client ${ip} may relay (${rule.pattern})`, true);
    case 'OK':
      return ok(`client ${ip} allowed (${rule.pattern})`);
    default:
      return ok('no connect rule matched');
  }
}

export async function decideSender(
  rules: AccessRuleLike[],
  directory: PolicyDirectory,
  client: ClientState,
  rawSender: string,
): Promise<Decision> {
  const parsed = parseEnvelopeAddress(rawSender);
  if (!parsed.ok)
    return {
      verdict: 'reject',
      reply: REPLIES.badSyntax(parsed.input, 'sender'),
      rule: null,
      reason: parsed.syntax ? 'bad sender syntax' : `sender uses a ${parsed.trick}`,
    };
  const sender = parsed.address;
  // The null reverse-path (bounces, RFC 5321 4.5.5) matches no address rule.
  const rule = sender ? findRule(rules, { scope: 'sender', address: sender }) : null;
  if (rule?.action === 'REJECT')
    return {
      verdict: 'reject',
      reply: REPLIES.senderRejected(sender, rule.message),
      rule,
      reason: `sender matches REJECT ${rule.pattern}`,
    };
  if (rule?.action === 'DISCARD')
    return {
      verdict: 'discard',
      reply: REPLIES.senderOk(sender),
      rule,
      reason: `sender matches DISCARD ${rule.pattern}: accepted and dropped`,
    };
  if (client.user && sender) {
    const owner = await directory.mailboxByAddress(client.user);
    const expansion = await directory.expand(sender);
    if (!owner || !expansion.mailboxes.some((mailbox) => mailbox.userId === owner.id)) {
      return {
        verdict: 'reject',
        reply: REPLIES.senderNotOwned(sender, client.user),
        rule,
        reason: `${client.user} does not own ${sender}`,
      };
    }
  }
  return {
    verdict: 'accept',
    reply: REPLIES.senderOk(sender),
    rule,
    reason: rule ? `sender matches ${rule.action} ${rule.pattern}` : 'sender accepted',
  };
}

export async function decideRecipient(
  rules: AccessRuleLike[],
  directory: PolicyDirectory,
  client: ClientState,
  rawRecipient: string,
): Promise<RecipientDecision> {
  const none = { relay: false, expansion: null };
  const parsed = parseEnvelopeAddress(rawRecipient);
  if (!parsed.ok && parsed.syntax)
    return {
      verdict: 'reject',
      reply: REPLIES.badSyntax(parsed.input, 'recipient'),
      rule: null,
      reason: 'bad recipient syntax',
      ...none,
    };
  if (!parsed.ok)
    return {
      verdict: 'reject',
      reply: REPLIES.relayDenied(parsed.input, `${parsed.trick} not accepted`),
      rule: null,
      reason: `relay trick: ${parsed.trick}`,
      ...none,
    };
  if (parsed.address === '')
    return {
      verdict: 'reject',
      reply: REPLIES.badSyntax('', 'recipient'),
      rule: null,
      reason: 'empty recipient',
      ...none,
    };
  const recipient = parsed.address;
  const rule = findRule(rules, { scope: 'recipient', address: recipient });
  if (rule?.action === 'REJECT')
    return {
      verdict: 'reject',
      reply: REPLIES.recipientRejected(recipient, rule.message),
      rule,
      reason: `recipient matches REJECT ${rule.pattern}`,
      ...none,
    };
  if (rule?.action === 'DISCARD')
    return {
      verdict: 'discard',
      reply: REPLIES.discarded(recipient),
      rule,
      reason: `recipient matches DISCARD ${rule.pattern}: accepted and dropped`,
      ...none,
    };

  const local = await directory.localDomain(parsed.domain);
  if (local) {
    const expansion = await directory.expand(recipient);
    if (expansion.mailboxes.length === 0 && expansion.external.length === 0) {
      return {
        verdict: 'reject',
        reply: REPLIES.unknownUser(recipient),
        rule,
        reason: `no mailbox, alias or catch-all for ${recipient}`,
        ...none,
      };
    }
    const states = await Promise.all(expansion.mailboxes.map((mailbox) => directory.mailbox(mailbox.userId)));
    const enabled = states.filter((state) => state?.enabled);
    if (!local.enabled || (enabled.length === 0 && expansion.external.length === 0)) {
      return {
        verdict: 'reject',
        reply: REPLIES.mailboxDisabled(recipient),
        rule,
        reason: 'mailbox or domain disabled',
        ...none,
      };
    }
    if (
      enabled.length > 0 &&
      expansion.external.length === 0 &&
      enabled.every((state) => isOverQuota(state!, 1))
    ) {
      return {
        verdict: 'reject',
        reply: REPLIES.overQuota(recipient),
        rule,
        reason: 'every target mailbox is over quota',
        ...none,
      };
    }
    const targets = [...expansion.mailboxes.map((m) => m.address), ...expansion.external];
    return {
      verdict: 'accept',
      reply: REPLIES.recipientOk(recipient),
      rule,
      reason: `local: delivers to ${targets.join(', ')}`,
      relay: false,
      expansion,
    };
  }
  // Not ours: relaying (RFC 5321 3.6.1) only for those with the right to it.
  const why = client.user
    ? `authenticated as ${client.user}`
    : client.relayClient
      ? `client ${client.ip} has a RELAY rule`
      : rule?.action === 'RELAY'
        ? `recipient matches RELAY ${rule.pattern}`
        : null;
  if (!why)
    return {
      verdict: 'reject',
      reply: REPLIES.relayDenied(recipient),
      rule,
      reason: `${parsed.domain} is not a local domain and the client may not relay`,
      ...none,
    };
  return {
    verdict: 'accept',
    reply: REPLIES.recipientOk(recipient),
    rule,
    reason: `relay: ${why}`,
    relay: true,
    expansion: null,
  };
}
