// The administrator's Sieve script: run before every mailbox's own (spam filing, company-wide
// rules). One row; null removes it.
import { db, writeTransaction } from '../core/db';
import { audit, type Actor, SYSTEM_ACTOR } from '../domain/audit';
import { serializeSieve, type CompileResult } from '../sieve';
import { forgetDeliveryScripts } from './delivery-scripts';
import { checkSieveScript } from './scripts';

const ADMIN_ID = 1;

export async function getAdminSieveScript(): Promise<string | null> {
  const row = await db().sieveAdminScript.findUnique({ where: { id: ADMIN_ID }, select: { source: true } });
  return row?.source ?? null;
}

/** Stores (when it compiles) or removes (null) the administrator's script; null result for a removal. */
export async function putAdminSieveScript(
  source: string | null,
  actor: Actor = SYSTEM_ACTOR,
): Promise<CompileResult | null> {
  if (source === null) {
    await writeTransaction('sieve admin remove', async (tx) => {
      const removed = await tx.sieveAdminScript.deleteMany({ where: { id: ADMIN_ID } });
      if (removed.count > 0) await audit(tx, actor, 'sieve.admin.remove', 'sieve', 'admin');
    });
    forgetDeliveryScripts();
    return null;
  }
  const result = checkSieveScript(source);
  if (!result.ok) return result;
  const compiled = serializeSieve(result.script);
  await writeTransaction('sieve admin put', async (tx) => {
    await tx.sieveAdminScript.upsert({
      where: { id: ADMIN_ID },
      create: { id: ADMIN_ID, source, compiled },
      update: { source, compiled, updatedAt: new Date() },
    });
    await audit(tx, actor, 'sieve.admin.put', 'sieve', 'admin', undefined, { bytes: source.length });
  });
  forgetDeliveryScripts();
  return result;
}
