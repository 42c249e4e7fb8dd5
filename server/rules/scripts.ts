// A mailbox's Sieve scripts: kept as written and compiled (server/sieve) when saved, so delivery
// only runs the compiled form. Only a script that compiles is stored; at most one is active.
import { db, writeTransaction } from '../core/db';
import { NotFoundError, isUniqueViolation } from '../domain/errors';
import { compileSieve, serializeSieve, type CompileResult } from '../sieve';
import { ActiveScriptError, ScriptExistsError, ScriptQuotaError } from './errors';
import { sieveLimits } from './limits';
import { checkScriptName } from './names';
import { forgetDeliveryScripts } from './delivery-scripts';

export interface SieveScriptInfo {
  name: string;
  active: boolean;
  /** The source's size in bytes (UTF-8). */
  size: number;
  updatedAt: Date;
}

async function requireMailbox(mailboxId: number): Promise<void> {
  const user = await db().user.findUnique({ where: { id: mailboxId }, select: { id: true } });
  if (!user) throw new NotFoundError('mailbox');
}

export async function listSieveScripts(mailboxId: number): Promise<SieveScriptInfo[]> {
  const rows = await db().sieveScript.findMany({
    where: { userId: mailboxId },
    select: { name: true, source: true, activeFor: true, updatedAt: true },
    orderBy: { name: 'asc' },
  });
  return rows.map((row) => ({
    name: row.name,
    active: row.activeFor !== null,
    size: Buffer.byteLength(row.source, 'utf8'),
    updatedAt: row.updatedAt,
  }));
}

export async function getSieveScript(mailboxId: number, name: string): Promise<string | null> {
  const row = await db().sieveScript.findUnique({
    where: { userId_name: { userId: mailboxId, name } },
    select: { source: true },
  });
  return row?.source ?? null;
}

/** Refuses a source over the size limit (ManageSieve: QUOTA/MAXSIZE) before compiling it. */
export function checkScriptSize(source: string): void {
  const { maxScriptBytes } = sieveLimits();
  if (Buffer.byteLength(source, 'utf8') > maxScriptBytes)
    throw new ScriptQuotaError('maxsize', `a script may have at most ${maxScriptBytes} bytes`);
}

/** Compiles only (CHECKSCRIPT, the editor's check): nothing is stored. */
export function checkSieveScript(source: string): CompileResult {
  checkScriptSize(source);
  return compileSieve(source, { maxScriptBytes: sieveLimits().maxScriptBytes });
}

/**
 * Stores the script under `name` (replacing one of that name, which stays active if it was) when
 * it compiles; the compiler's errors are returned otherwise and nothing changes.
 */
export async function putSieveScript(
  mailboxId: number,
  name: string,
  source: string,
): Promise<CompileResult> {
  const stored = checkScriptName(name);
  const result = checkSieveScript(source);
  if (!result.ok) return result;
  await requireMailbox(mailboxId);
  const compiled = serializeSieve(result.script);
  const { maxScripts } = sieveLimits();
  await writeTransaction('sieve put', async (tx) => {
    const updated = await tx.sieveScript.updateMany({
      where: { userId: mailboxId, name: stored },
      data: { source, compiled, updatedAt: new Date() },
    });
    if (updated.count > 0) return;
    if ((await tx.sieveScript.count({ where: { userId: mailboxId } })) >= maxScripts)
      throw new ScriptQuotaError('maxscripts', `a mailbox may keep at most ${maxScripts} scripts`);
    await tx.sieveScript.create({ data: { userId: mailboxId, name: stored, source, compiled } });
  });
  forgetDeliveryScripts();
  return result;
}

/** Makes `name` the active script (the one delivery runs); null leaves none active. */
export async function activateSieveScript(mailboxId: number, name: string | null): Promise<void> {
  await writeTransaction('sieve activate', async (tx) => {
    const target =
      name === null
        ? null
        : await tx.sieveScript.findUnique({
            where: { userId_name: { userId: mailboxId, name } },
            select: { id: true, activeFor: true },
          });
    if (name !== null && !target) throw new NotFoundError('script');
    if (target?.activeFor != null) return;
    // Off first: active_for is unique, so two active scripts cannot exist even for a moment.
    await tx.sieveScript.updateMany({ where: { activeFor: mailboxId }, data: { activeFor: null } });
    if (target) await tx.sieveScript.update({ where: { id: target.id }, data: { activeFor: mailboxId } });
  });
  forgetDeliveryScripts();
}

export async function renameSieveScript(mailboxId: number, from: string, to: string): Promise<void> {
  const stored = checkScriptName(to);
  try {
    await writeTransaction('sieve rename', async (tx) => {
      const script = await tx.sieveScript.findUnique({
        where: { userId_name: { userId: mailboxId, name: from } },
        select: { id: true },
      });
      if (!script) throw new NotFoundError('script');
      if (from === stored) return;
      const taken = await tx.sieveScript.findUnique({
        where: { userId_name: { userId: mailboxId, name: stored } },
        select: { id: true },
      });
      if (taken) throw new ScriptExistsError(stored);
      await tx.sieveScript.update({ where: { id: script.id }, data: { name: stored } });
    });
    forgetDeliveryScripts(); // the active script's name goes into the message's journey
  } catch (error) {
    if (isUniqueViolation(error)) throw new ScriptExistsError(stored);
    throw error;
  }
}

/** Deletes a script; the active one cannot be deleted (RFC 5804 section 2.10). */
export async function deleteSieveScript(mailboxId: number, name: string): Promise<void> {
  await writeTransaction('sieve delete', async (tx) => {
    const script = await tx.sieveScript.findUnique({
      where: { userId_name: { userId: mailboxId, name } },
      select: { id: true, activeFor: true },
    });
    if (!script) throw new NotFoundError('script');
    if (script.activeFor !== null) throw new ActiveScriptError();
    await tx.sieveScript.delete({ where: { id: script.id } });
  });
}
