// Importing Maildir and mbox files into one mailbox, through the message sink.
import { listMaildirFolders, readMaildirFolder } from './maildir';
import { readMbox } from './mbox';
import { MessageSink, type SinkCounts } from './message-sink';

export interface FileImportReport extends SinkCounts {
  folders: string[];
}

export async function importMaildir(root: string, address: string): Promise<FileImportReport> {
  const sink = await MessageSink.open(address);
  const folders = await listMaildirFolders(root);
  for (const folder of folders)
    for await (const message of readMaildirFolder(folder.dir)) await sink.add(folder.name, message);
  return { ...(await sink.finish()), folders: folders.map((f) => f.name) };
}

export async function importMbox(path: string, address: string, folder = 'INBOX'): Promise<FileImportReport> {
  const sink = await MessageSink.open(address);
  for await (const message of readMbox(path)) await sink.add(folder, message);
  return { ...(await sink.finish()), folders: [folder] };
}
