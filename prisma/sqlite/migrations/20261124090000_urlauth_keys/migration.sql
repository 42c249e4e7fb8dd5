-- URLAUTH (RFC 4467) mailbox access keys, one per folder; RESETKEY deletes them.
CREATE TABLE "urlauth_keys" (
    "folder_id" INTEGER NOT NULL PRIMARY KEY,
    "secret" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "urlauth_keys_folder_id_fkey" FOREIGN KEY ("folder_id") REFERENCES "folders" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
