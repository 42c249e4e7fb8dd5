-- IMAP NOTIFY: a per-user counter raised by every folder or subscription change, polled by
-- other worker processes (store/folder-list-feed.ts).
ALTER TABLE `users` ADD COLUMN `folders_version` INTEGER NOT NULL DEFAULT 0;
