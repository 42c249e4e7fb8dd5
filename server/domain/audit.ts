// Who changed what: every mutation in the domain layer writes one audit row in its transaction.
import type { Tx } from '../core/db';

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
