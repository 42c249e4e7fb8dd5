-- IMAP4rev1 \Recent: the highest UID a session has already claimed as recent.
ALTER TABLE "folders" ADD COLUMN "recent_uid" INTEGER NOT NULL DEFAULT 0;
