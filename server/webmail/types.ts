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
  size: number;
}
