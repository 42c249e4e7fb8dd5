// Who changed what: every mutation in the domain layer writes one audit row in its transaction.
import { db, type Tx } from '../core/db';
import { logger } from '../core/logger';

export interface Actor {
  /** The signed-in address, or "cli" / "system". */
  name: string;
  userId?: number;
  role: 'super' | 'domain_admin' | 'user' | 'system';
  /** For domain admins: the domain names they manage. */
  domains?: string[];
}

export const SYSTEM_ACTOR: Actor = { name: 'cli', role: 'system' };

function serialise(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return JSON.stringify(value, (key, inner: unknown) =>
    key === 'passwordHash' || key === 'dkimPrivateKey'
      ? '[secret]'
      : typeof inner === 'bigint'
        ? inner.toString()
        : inner,
  );
}

export async function audit(
  tx: Tx,
  actor: Actor,
  action: string,
  objectType: string,
  objectId: string | null,
  before?: unknown,
  after?: unknown,
): Promise<void> {
  await tx.auditEntry.create({
    data: {
      actor: actor.name,
      action,
      objectType,
      objectId,
      before: serialise(before),
      after: serialise(after),
    },
  });
}

/**
 * A refused privilege attempt (a domain admin reaching for another domain or a super-admin page),
 * written outside any transaction: the refused change itself was never made.
 */
export async function auditRefusal(
  refused: { actor: string; role: string },
  reason: string,
  where?: string,
): Promise<void> {
  try {
    await db().auditEntry.create({
      data: {
        actor: refused.actor,
        action: 'access.refused',
        objectType: 'right',
        objectId: where?.slice(0, 255) ?? null,
        before: null,
        after: serialise({ role: refused.role, reason }),
      },
    });
  } catch (error) {
    // The refusal stands either way; a failed audit write must not turn a 403 into a 500.
    logger.error('could not audit a refused attempt', { error: String(error) });
  }
}
