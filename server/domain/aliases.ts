// Aliases (the seed's `aliases` table): one source to one or more destinations, local or
// external; `@domain` is the catch-all. Expansion is recursive and loops are cut and reported,
// both when an alias is saved (refused) and when mail is delivered (logged).
import { db, writeTransaction } from '../core/db';
import { audit, SYSTEM_ACTOR, type Actor } from './audit';
import { FieldError } from './errors';
import { parseAddress, normalizeDomain, normalizeLocalPart, formatAddress, type Address } from './names';
import { requireDomain, isSuper } from './rights';
import { resolveLocalDomain } from './domains';

export interface AliasView {
  source: string;
  destinations: string[];
  catchAll: boolean;
}

/** `user@domain` or `@domain` (catch-all). */
export function parseAliasSource(input: string): Address {
  const trimmed = input.trim();
  if (trimmed.startsWith('@')) return { local: '', domain: normalizeDomain(trimmed.slice(1), 'source') };
  return parseAddress(trimmed, 'source');
}

export async function addAlias(
  sourceInput: string,
  destinationInputs: string[],
  actor: Actor = SYSTEM_ACTOR,
): Promise<AliasView> {
  const source = parseAliasSource(sourceInput);
  requireDomain(actor, source.domain);
  if (destinationInputs.length === 0)
    throw new FieldError('destinations', 'at least one destination is required');
  const destinations = destinationInputs.map((input) => parseAddress(input, 'destinations'));
  const sourceText = formatAddress(source);
  await writeTransaction('alias add', async (tx) => {
    const domain = await tx.domain.findUnique({ where: { domain: source.domain } });
    if (!domain) throw new FieldError('source', `${source.domain} is not a domain here`);
    // An alias is tried before the mailbox (expandAddress), so one on a mailbox's own address
    // would take its mail away and leave its owner unable to send as it (553 not owned).
    if (source.local) {
      const mailbox = await tx.user.findUnique({
        where: { local_domain: { local: source.local, domain: source.domain } },
      });
      if (mailbox) throw new FieldError('source', mailboxTakenMessage(sourceText));
    }
    for (const destination of destinations) {
      const exists = await tx.alias.findFirst({
        where: {
          sourceLocal: source.local,
          sourceDomain: source.domain,
          destinationLocal: destination.local,
          destinationDomain: destination.domain,
        },
      });
      if (exists)
        throw new FieldError('destinations', `${sourceText} already points to ${formatAddress(destination)}`);
      await tx.alias.create({
        data: {
          sourceLocal: source.local,
          sourceDomain: source.domain,
          destinationLocal: destination.local,
          destinationDomain: destination.domain,
        },
      });
    }
    await audit(tx, actor, 'alias.add', 'alias', sourceText, null, {
      destinations: destinations.map(formatAddress),
    });
  });
  // Refuse (and roll back) an alias that closes a loop.
  const probe = source.local ? sourceText : `postroom-catchall-probe@${source.domain}`;
  const expansion = await expandAddress(probe);
  if (expansion.loops.length > 0) {
    await db().alias.deleteMany({
      where: {
        sourceLocal: source.local,
        sourceDomain: source.domain,
        OR: destinations.map((d) => ({ destinationLocal: d.local, destinationDomain: d.domain })),
      },
    });
    throw new FieldError('destinations', `this alias makes a loop: ${expansion.loops[0]!.join(' -> ')}`);
  }
  return getAlias(sourceText);
}

function mailboxTakenMessage(address: string): string {
  return (
    `${address} is a mailbox; an alias on it would take its mail away. To send its mail on as well, ` +
    'use forwarding instead (the owner sets it under Account → Forwarding, with a copy kept if they wish), ' +
    'or pick an address that is not a mailbox.'
  );
}

export async function getAlias(sourceInput: string): Promise<AliasView> {
  const source = parseAliasSource(sourceInput);
  const rows = await db().alias.findMany({
    where: { sourceLocal: source.local, sourceDomain: source.domain },
    orderBy: { id: 'asc' },
  });
  return {
    source: formatAddress(source),
    destinations: rows.map((row) => `${row.destinationLocal}@${row.destinationDomain}`),
    catchAll: source.local === '',
  };
}

export async function listAliases(
  options: { domain?: string } = {},
  actor: Actor = SYSTEM_ACTOR,
): Promise<AliasView[]> {
  const visible = isSuper(actor) ? undefined : (actor.domains ?? []);
  const where = options.domain
    ? { sourceDomain: options.domain }
    : visible
      ? { sourceDomain: { in: visible } }
      : {};
  if (options.domain) requireDomain(actor, options.domain);
  const rows = await db().alias.findMany({
    where,
    orderBy: [{ sourceDomain: 'asc' }, { sourceLocal: 'asc' }, { id: 'asc' }],
  });
  const grouped = new Map<string, AliasView>();
  for (const row of rows) {
    const source = formatAddress({ local: row.sourceLocal, domain: row.sourceDomain });
    const view = grouped.get(source) ?? { source, destinations: [], catchAll: row.sourceLocal === '' };
    view.destinations.push(`${row.destinationLocal}@${row.destinationDomain}`);
    grouped.set(source, view);
  }
  return [...grouped.values()];
}

/** Removes one destination, or the whole alias when no destination is given. */
export async function removeAlias(
  sourceInput: string,
  destinationInput?: string,
  actor: Actor = SYSTEM_ACTOR,
): Promise<void> {
  const source = parseAliasSource(sourceInput);
  requireDomain(actor, source.domain);
  const destination = destinationInput ? parseAddress(destinationInput, 'destination') : undefined;
  await writeTransaction('alias remove', async (tx) => {
    const where = {
      sourceLocal: source.local,
      sourceDomain: source.domain,
      ...(destination ? { destinationLocal: destination.local, destinationDomain: destination.domain } : {}),
    };
    const before = await tx.alias.findMany({ where });
    if (before.length === 0)
      throw new FieldError(
        'source',
        `${formatAddress(source)}${destination ? ` -> ${formatAddress(destination)}` : ''} does not exist`,
      );
    await tx.alias.deleteMany({ where });
    await audit(tx, actor, 'alias.remove', 'alias', formatAddress(source), before, null);
  });
}

export interface Expansion {
  /** Local mailboxes to deliver to, without duplicates. */
  mailboxes: { userId: number; address: string }[];
  /** External addresses to queue for outbound delivery. */
  external: string[];
  /** Each loop found, as the chain of addresses that closed it. */
  loops: string[][];
}

const MAX_DEPTH = 10;
const MAX_TARGETS = 1000;

/**
 * Resolves an address the way delivery does: alias domain rewrite, aliases (recursive), the
 * mailbox itself, then the domain's catch-all. An address that is not local at all comes back
 * in `external`; an unknown local address gives an empty expansion.
 */
export async function expandAddress(address: string): Promise<Expansion> {
  const result: Expansion = { mailboxes: [], external: [], loops: [] };
  const seenMailboxes = new Set<number>();
  const seenExternal = new Set<string>();

  async function visit(raw: string, path: string[]): Promise<void> {
    if (result.mailboxes.length + result.external.length >= MAX_TARGETS) return;
    const at = raw.lastIndexOf('@');
    const local = raw.slice(0, at).toLowerCase();
    const localDomain = await resolveLocalDomain(raw.slice(at + 1));
    if (!localDomain) {
      const external = raw.toLowerCase();
      if (!seenExternal.has(external)) {
        seenExternal.add(external);
        result.external.push(raw);
      }
      return;
    }
    const current = `${local}@${localDomain.domain}`;
    if (path.includes(current)) {
      result.loops.push([...path, current]);
      return;
    }
    if (path.length >= MAX_DEPTH) {
      result.loops.push([...path, current]);
      return;
    }
    const nextPath = [...path, current];
    const rules = await db().alias.findMany({
      where: { sourceLocal: local, sourceDomain: localDomain.domain, enabled: true },
    });
    const mailbox = await db().user.findUnique({
      where: { local_domain: { local, domain: localDomain.domain } },
    });
    if (rules.length > 0) {
      for (const rule of rules) {
        const target = `${rule.destinationLocal}@${rule.destinationDomain}`;
        // A self-reference ("keep a copy") delivers to the mailbox instead of recursing.
        if (target.toLowerCase() === current && mailbox) addMailbox(mailbox.id, current);
        else await visit(target, nextPath);
      }
      return;
    }
    if (mailbox) {
      addMailbox(mailbox.id, current);
      return;
    }
    const catchAll = await db().alias.findMany({
      where: { sourceLocal: '', sourceDomain: localDomain.domain, enabled: true },
    });
    for (const rule of catchAll) await visit(`${rule.destinationLocal}@${rule.destinationDomain}`, nextPath);
  }

  function addMailbox(userId: number, mailboxAddress: string): void {
    if (seenMailboxes.has(userId)) return;
    seenMailboxes.add(userId);
    result.mailboxes.push({ userId, address: mailboxAddress });
  }

  const at = address.lastIndexOf('@');
  if (at <= 0) return result;
  normalizeLocalPart(address.slice(0, at));
  await visit(address, []);
  return result;
}
