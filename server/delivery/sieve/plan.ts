// Running a mailbox's scripts on a delivered message and turning the result into what delivery
// does: the folders (with flags) to store into, the header edits, and the messages to send.
// A script that fails (or whose result cannot be carried out) leaves only the implicit keep, and
// the reason goes into the message's journey.
import { createFolder, findFolder, FolderError, normaliseFolderName, type SystemFlags } from '../../store';
import { deliveryScripts, mailboxAddresses, sieveLimits } from '../../rules';
import { runSieve, type HeaderEdit, type SieveAction, type SieveResult } from '../../sieve';
import { HeaderFields } from '../../mime/headers';
import { contentSize, openContent, type Content } from './content';
import { isAutomaticMessage, redirectedBy } from './outbound';

export interface FolderStore {
  folderId: number;
  flags: SystemFlags;
  keywords: string[];
}

export interface SievePlan {
  /** The scripts that ran ("admin" and the active script's name). */
  scripts: string[];
  stores: FolderStore[];
  edits: HeaderEdit[];
  redirects: string[];
  reject?: { reason: string; extended: boolean };
  vacation?: Extract<SieveAction, { type: 'vacation' }>;
  /** What the journey should say about this mailbox's delivery. */
  actions: string[];
  notes: string[];
}

export interface PlanInput {
  content: Content;
  /** The header block (latin1), read when a script needs it. */
  header(): Promise<string>;
  userId: number;
  user: string;
  recipient: string;
  sender: string;
  /** The folder the implicit keep uses (INBOX, or Junk for junk mail). */
  keepFolderId: number;
  receivedAt: Date;
}

const SYSTEM_FLAGS: Record<string, keyof SystemFlags> = {
  '\\seen': 'seen',
  '\\answered': 'answered',
  '\\flagged': 'flagged',
  '\\deleted': 'deleted',
  '\\draft': 'draft',
};

function toFlags(names: string[]): { flags: SystemFlags; keywords: string[] } {
  const flags: SystemFlags = {};
  const keywords: string[] = [];
  for (const name of names) {
    const system = SYSTEM_FLAGS[name.toLowerCase()];
    if (system) flags[system] = true;
    // IMAP atoms only (RFC 9051 flag-keyword); \Recent and unknown system flags are dropped.
    else if (/^[^\\\s(){%*"\]\x00-\x1f\x7f]{1,100}$/.test(name) && !keywords.includes(name))
      keywords.push(name);
  }
  return { flags, keywords };
}

/** The folder's id, made first when :create asks; null when it does not exist (or cannot be made). */
async function folderFor(userId: number, name: string, create: boolean): Promise<number | null> {
  const normalised = normaliseFolderName(name);
  const found = await findFolder(userId, normalised);
  if (found) return found.id;
  if (!create) return null;
  try {
    return (await createFolder(userId, normalised)).id;
  } catch (error) {
    if (!(error instanceof FolderError)) throw error;
    return (await findFolder(userId, normalised))?.id ?? null; // made meanwhile, or an invalid name
  }
}

function mergeStore(stores: FolderStore[], folderId: number, names: string[]): void {
  const { flags, keywords } = toFlags(names);
  const same = stores.find((store) => store.folderId === folderId);
  if (!same) return void stores.push({ folderId, flags, keywords });
  Object.assign(same.flags, flags);
  for (const keyword of keywords) if (!same.keywords.includes(keyword)) same.keywords.push(keyword);
}

function keepOnly(plan: SievePlan, keepFolderId: number, note: string): SievePlan {
  return {
    ...plan,
    stores: [{ folderId: keepFolderId, flags: {}, keywords: [] }],
    edits: [],
    redirects: [],
    reject: undefined,
    vacation: undefined,
    actions: ['keep'],
    notes: [...plan.notes, note],
  };
}

/** A vacation :from naming someone else is not used (the reply would forge them): the mailbox's own address instead. */
function ownFrom(from: string | undefined, addresses: string[], notes: string[]): string | undefined {
  if (!from) return undefined;
  const address = (/<([^<>]+)>\s*$/.exec(from)?.[1] ?? from).trim().toLowerCase();
  if (addresses.includes(address)) return from;
  notes.push(`vacation :from ${address} is not an address of this mailbox; the mailbox's own is used`);
  return undefined;
}

/** Null when no script applies to the mailbox. */
export async function planSieveDelivery(input: PlanInput): Promise<SievePlan | null> {
  let loaded: Awaited<ReturnType<typeof deliveryScripts>>;
  const empty: SievePlan = { scripts: [], stores: [], edits: [], redirects: [], actions: [], notes: [] };
  try {
    loaded = await deliveryScripts(input.userId);
  } catch (error) {
    return keepOnly(empty, input.keepFolderId, `sieve: the script could not be loaded (${String(error)})`);
  }
  if (!loaded) return null;
  const plan: SievePlan = { ...empty, scripts: loaded.names };
  const limits = sieveLimits();
  let result: SieveResult;
  let addresses = [input.user];
  try {
    if (loaded.vacation) addresses = await mailboxAddresses(input.userId);
    result = await runSieve(
      loaded.scripts,
      {
        open: () => openContent(input.content),
        size: contentSize(input.content),
        envelopeFrom: input.sender,
        envelopeTo: input.recipient,
        user: input.user,
        userAddresses: addresses,
        receivedAt: input.receivedAt,
      },
      {
        mailboxExists: async (name) => (await findFolder(input.userId, normaliseFolderName(name))) !== null,
        limits: { maxRedirects: limits.maxRedirects },
      },
    );
  } catch (error) {
    return keepOnly(
      plan,
      input.keepFolderId,
      `sieve error: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (result.errors.length > 0)
    return keepOnly(plan, input.keepFolderId, `sieve error: ${result.errors.join('; ')}`);
  try {
    return await resolveActions(plan, result, input, addresses);
  } catch (error) {
    return keepOnly(plan, input.keepFolderId, `sieve: could not carry out the actions (${String(error)})`);
  }
}

async function resolveActions(
  plan: SievePlan,
  result: SieveResult,
  input: PlanInput,
  addresses: string[],
): Promise<SievePlan> {
  const headers = new HeaderFields(await input.header());
  const user = input.user.toLowerCase();
  const redirectedHere = redirectedBy(headers).includes(user);
  plan.edits = result.headerEdits;
  for (const action of result.actions) {
    switch (action.type) {
      case 'keep':
        mergeStore(plan.stores, input.keepFolderId, action.flags);
        plan.actions.push('keep');
        break;
      case 'fileinto': {
        const folderId = await folderFor(input.userId, action.mailbox, action.create);
        if (folderId === null) {
          plan.notes.push(`fileinto "${action.mailbox}": no such folder; kept in INBOX`);
          mergeStore(plan.stores, input.keepFolderId, action.flags);
        } else mergeStore(plan.stores, folderId, action.flags);
        plan.actions.push(`fileinto ${action.mailbox}`);
        break;
      }
      case 'redirect': {
        const to = action.address.toLowerCase();
        if (to === user || to === input.recipient.toLowerCase() || redirectedHere) {
          plan.notes.push(`redirect to ${action.address} refused: it would loop; kept instead`);
          mergeStore(plan.stores, input.keepFolderId, []);
        } else if (plan.redirects.length >= sieveLimits().maxRedirects) {
          plan.notes.push(
            `redirect to ${action.address} dropped: more than ${sieveLimits().maxRedirects} redirects`,
          );
        } else if (!plan.redirects.includes(to)) plan.redirects.push(action.address);
        plan.actions.push(`redirect ${action.address}`);
        break;
      }
      case 'discard':
        plan.actions.push('discard');
        break;
      case 'reject':
        plan.reject = { reason: action.reason, extended: action.extended };
        plan.actions.push(action.extended ? 'ereject' : 'reject');
        break;
      case 'vacation':
        // The interpreter checked RFC 5230's conditions; checked again here as the last line.
        if (isAutomaticMessage(headers, input.sender) || !action.replyTo)
          plan.notes.push('vacation: not answered (automatic, list or bounce message)');
        else plan.vacation = { ...action, from: ownFrom(action.from, addresses, plan.notes) };
        break;
    }
  }
  return plan;
}
