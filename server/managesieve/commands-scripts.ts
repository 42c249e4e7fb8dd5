// Authenticated state (RFC 5804 sections 2.5-2.12): the mailbox's scripts through server/rules.
// Refusals carry the response codes clients act on: NONEXISTENT, ACTIVE, ALREADYEXISTS,
// QUOTA/MAXSCRIPTS, QUOTA/MAXSIZE; a script that does not compile is NO with the compiler's errors.
import {
  activateSieveScript,
  ActiveScriptError,
  checkScriptName,
  checkSieveScript,
  deleteSieveScript,
  getSieveScript,
  listSieveScripts,
  putSieveScript,
  renameSieveScript,
  ScriptExistsError,
  ScriptQuotaError,
  sieveLimits,
} from '../rules';
import { FieldError, NotFoundError } from '../domain/errors';
import type { CompileResult, SieveDiagnostic } from '../sieve';
import type { Token } from './reader';
import type { CommandHandler, ManageSieveSession, SessionUser } from './session';
import { response, sieveString } from './wire';

type Handler = (session: ManageSieveSession, user: SessionUser, args: string[]) => Promise<void>;

/** Checks the state and that the arguments are `count` strings (a number where `numberAt`). */
function scriptCommand(usage: string, count: number, handler: Handler, numberAt?: number): CommandHandler {
  return async (session, args) => {
    const user = session.user;
    if (!user) return session.send(response('NO', 'Authenticate first'));
    const valid =
      args.length === count &&
      args.every((arg: Token, index) => (index === numberAt ? arg.kind === 'number' : arg.kind === 'string'));
    if (!valid) return session.send(response('NO', `Usage: ${usage}`));
    try {
      await handler(
        session,
        user,
        args.map((arg) => String(arg.value)),
      );
    } catch (error) {
      session.send(refusal(error));
    }
  };
}

function refusal(error: unknown): string {
  if (error instanceof NotFoundError) return response('NO', 'There is no script by that name', 'NONEXISTENT');
  if (error instanceof ActiveScriptError)
    return response('NO', 'The active script cannot be deleted', 'ACTIVE');
  if (error instanceof ScriptExistsError)
    return response('NO', error.message.replace(/^name: /, ''), 'ALREADYEXISTS');
  if (error instanceof ScriptQuotaError)
    return response('NO', error.message.replace(/^\w+: /, ''), `QUOTA/${error.limit.toUpperCase()}`);
  if (error instanceof FieldError) return response('NO', error.message.replace(/^name: /, 'Script name: '));
  throw error;
}

function diagnostics(list: SieveDiagnostic[]): string {
  return list.map((d) => `line ${d.line}, column ${d.column}: ${d.message}`).join('\r\n');
}

/** OK (with the warnings, section 1.3 WARNINGS) or NO with the errors. */
function compiled(session: ManageSieveSession, result: CompileResult, done: string): void {
  if (!result.ok) session.send(response('NO', diagnostics(result.errors)));
  else if (result.warnings.length > 0) session.send(response('OK', diagnostics(result.warnings), 'WARNINGS'));
  else session.send(response('OK', done));
}

const havespace = scriptCommand(
  'HAVESPACE "name" size',
  2,
  async (session, user, [name, size]) => {
    checkScriptName(name!);
    const limits = sieveLimits();
    if (Number(size) > limits.maxScriptBytes)
      throw new ScriptQuotaError('maxsize', `A script may have at most ${limits.maxScriptBytes} bytes`);
    const scripts = await listSieveScripts(user.id);
    if (!scripts.some((script) => script.name === name) && scripts.length >= limits.maxScripts)
      throw new ScriptQuotaError('maxscripts', `At most ${limits.maxScripts} scripts`);
    session.send(response('OK', 'Putscript would succeed'));
  },
  1,
);

const putscript = scriptCommand(
  'PUTSCRIPT "name" {size+} script',
  2,
  async (session, user, [name, source]) => {
    compiled(session, await putSieveScript(user.id, name!, source!), 'Script stored');
  },
);

const checkscript = scriptCommand('CHECKSCRIPT {size+} script', 1, async (session, _user, [source]) => {
  compiled(session, checkSieveScript(source!), 'Script is valid');
});

const listscripts = scriptCommand('LISTSCRIPTS', 0, async (session, user) => {
  for (const script of await listSieveScripts(user.id))
    session.send(`${sieveString(script.name)}${script.active ? ' ACTIVE' : ''}`);
  session.send(response('OK', 'Listscripts completed'));
});

const setactive = scriptCommand('SETACTIVE "name"', 1, async (session, user, [name]) => {
  await activateSieveScript(user.id, name === '' ? null : name!);
  session.send(response('OK', name === '' ? 'No script is active now' : 'Script activated'));
});

const getscript = scriptCommand('GETSCRIPT "name"', 1, async (session, user, [name]) => {
  const source = await getSieveScript(user.id, name!);
  if (source === null) throw new NotFoundError('script');
  // Always a literal (section 2.9), whatever its content.
  session.send(`{${Buffer.byteLength(source, 'utf8')}}\r\n${source}`);
  session.send(response('OK', 'Getscript completed'));
});

const deletescript = scriptCommand('DELETESCRIPT "name"', 1, async (session, user, [name]) => {
  await deleteSieveScript(user.id, name!);
  session.send(response('OK', 'Script deleted'));
});

const renamescript = scriptCommand('RENAMESCRIPT "old" "new"', 2, async (session, user, [from, to]) => {
  await renameSieveScript(user.id, from!, to!);
  session.send(response('OK', 'Script renamed'));
});

export const scriptCommands: Record<string, CommandHandler> = {
  HAVESPACE: havespace,
  PUTSCRIPT: putscript,
  CHECKSCRIPT: checkscript,
  LISTSCRIPTS: listscripts,
  SETACTIVE: setactive,
  GETSCRIPT: getscript,
  DELETESCRIPT: deletescript,
  RENAMESCRIPT: renamescript,
};
