// What the webmail's server layer hands to routes and pages: plain JSON-safe shapes.

export interface MailAddress {
  name: string;
  address: string;
}

export type SpecialUse =
  | 'inbox'
  | 'sent'
  | 'drafts'
  | 'trash'
  | 'junk'
  | 'archive'
  | 'all'
  | 'flagged'
  | null;

export interface FolderView {
  path: string;
  name: string;
  delimiter: string;
  parentPath: string;
  specialUse: SpecialUse;
  total: number;
  unread: number;
}

export interface MessageFlags {
  seen: boolean;
  flagged: boolean;
  answered: boolean;
  draft: boolean;
  deleted: boolean;
}

export interface MessageSummary {
  uid: number;
  from: MailAddress[];
  to: MailAddress[];
  subject: string;
  date: string | null;
  size: number;
  flags: MessageFlags;
  hasAttachment: boolean;
  /** The folder it is in: set on results of a search across all folders. */
  folder?: string;
}

export type SortKey = 'date' | 'from' | 'subject';

export interface MessagePage {
  folder: string;
  total: number;
  page: number;
  pageSize: number;
  sort: SortKey;
  reverse: boolean;
  messages: MessageSummary[];
  /** A search across all folders: each message names its folder. */
  allFolders?: boolean;
}

/** A conversation: its messages (oldest first) in one folder. */
export interface ThreadView {
  messages: MessageSummary[];
}

export interface ThreadPage {
  folder: string;
  /** Conversations in the folder. */
  total: number;
  page: number;
  pageSize: number;
  threads: ThreadView[];
}

/** Where moved messages went, with their new UIDs (UIDPLUS COPYUID), so the move can be undone. */
export interface MovedMessages {
  from: string;
  to: string;
  uids: number[];
}

export interface AttachmentView {
  index: number;
  filename: string;
  contentType: string;
  size: number;
  contentId: string | null;
  inline: boolean;
}

export type AuthBadge = 'trusted' | 'not-verified';

export interface MessageView {
  folder: string;
  uid: number;
  messageId: string | null;
  subject: string;
  from: MailAddress[];
  to: MailAddress[];
  cc: MailAddress[];
  bcc: MailAddress[];
  replyTo: MailAddress[];
  date: string | null;
  flags: MessageFlags;
  text: string;
  /** Sanitised HTML, or null for a plain-text message. */
  html: string | null;
  hasRemoteImages: boolean;
  attachments: AttachmentView[];
  auth: { badge: AuthBadge; detail: string };
  references: string[];
  inReplyTo: string | null;
  size: number;
  /** A draft's address fields as the user typed them (they may not be valid yet). */
  draftFields?: { to: string; cc: string; bcc: string };
}
