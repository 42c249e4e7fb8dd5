-- CreateTable
CREATE TABLE "domains" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "domain" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "alias_of_id" INTEGER,
    "dkim_selector" TEXT,
    "dkim_private_key" TEXT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "domains_alias_of_id_fkey" FOREIGN KEY ("alias_of_id") REFERENCES "domains" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "users" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "local" TEXT NOT NULL,
    "domain" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "display_name" TEXT NOT NULL DEFAULT '',
    "quota_bytes" BIGINT NOT NULL DEFAULT 0,
    "used_bytes" BIGINT NOT NULL DEFAULT 0,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "role" TEXT NOT NULL DEFAULT 'user',
    "password_changed_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "users_domain_fkey" FOREIGN KEY ("domain") REFERENCES "domains" ("domain") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "domain_admins" (
    "user_id" INTEGER NOT NULL,
    "domain_id" INTEGER NOT NULL,

    PRIMARY KEY ("user_id", "domain_id"),
    CONSTRAINT "domain_admins_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "domain_admins_domain_id_fkey" FOREIGN KEY ("domain_id") REFERENCES "domains" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "aliases" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "source_local" TEXT NOT NULL,
    "source_domain" TEXT NOT NULL,
    "destination_local" TEXT NOT NULL,
    "destination_domain" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "aliases_source_domain_fkey" FOREIGN KEY ("source_domain") REFERENCES "domains" ("domain") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "access_rules" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "pattern" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "message" TEXT,
    "position" INTEGER NOT NULL DEFAULT 0,
    "note" TEXT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "folders" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "user_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "special_use" TEXT,
    "subscribed" BOOLEAN NOT NULL DEFAULT true,
    "uid_validity" INTEGER NOT NULL,
    "uid_next" INTEGER NOT NULL DEFAULT 1,
    "highest_modseq" BIGINT NOT NULL DEFAULT 1,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "folders_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "blobs" (
    "sha256" TEXT NOT NULL PRIMARY KEY,
    "size" INTEGER NOT NULL,
    "ref_count" INTEGER NOT NULL DEFAULT 0,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "messages" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "folder_id" INTEGER NOT NULL,
    "uid" INTEGER NOT NULL,
    "modseq" BIGINT NOT NULL,
    "seen" BOOLEAN NOT NULL DEFAULT false,
    "answered" BOOLEAN NOT NULL DEFAULT false,
    "flagged" BOOLEAN NOT NULL DEFAULT false,
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "draft" BOOLEAN NOT NULL DEFAULT false,
    "keywords" TEXT NOT NULL DEFAULT '',
    "internal_date" DATETIME NOT NULL,
    "size" INTEGER NOT NULL,
    "blob_sha256" TEXT NOT NULL,
    "envelope" TEXT NOT NULL,
    "body_structure" TEXT NOT NULL,
    "header_size" INTEGER NOT NULL,
    "sent_date" DATETIME,
    "subject" TEXT NOT NULL DEFAULT '',
    "from_addr" TEXT NOT NULL DEFAULT '',
    "to_addr" TEXT NOT NULL DEFAULT '',
    "cc_addr" TEXT NOT NULL DEFAULT '',
    "message_id" TEXT NOT NULL DEFAULT '',
    "has_attachment" BOOLEAN NOT NULL DEFAULT false,
    "auth_result" TEXT NOT NULL DEFAULT '',
    CONSTRAINT "messages_folder_id_fkey" FOREIGN KEY ("folder_id") REFERENCES "folders" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "messages_blob_sha256_fkey" FOREIGN KEY ("blob_sha256") REFERENCES "blobs" ("sha256") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "mail_changes" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "folder_id" INTEGER NOT NULL,
    "uid" INTEGER NOT NULL,
    "modseq" BIGINT NOT NULL,
    "kind" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "queue_entries" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "queue_id" TEXT NOT NULL,
    "sender" TEXT NOT NULL,
    "blob_sha256" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_reply" TEXT,
    "locked_by" TEXT,
    "locked_until" DATETIME,
    "delay_notified" BOOLEAN NOT NULL DEFAULT false,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "queue_recipients" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "entry_id" INTEGER NOT NULL,
    "address" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "last_reply" TEXT,
    CONSTRAINT "queue_recipients_entry_id_fkey" FOREIGN KEY ("entry_id") REFERENCES "queue_entries" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "events" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "time" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "protocol" TEXT NOT NULL,
    "client_ip" TEXT,
    "user" TEXT,
    "action" TEXT NOT NULL,
    "result" TEXT NOT NULL,
    "queue_id" TEXT,
    "detail" TEXT
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "time" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "object_type" TEXT NOT NULL,
    "object_id" TEXT,
    "before" TEXT,
    "after" TEXT
);

-- CreateTable
CREATE TABLE "auth_failures" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "key" TEXT NOT NULL,
    "time" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "settings" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "value" TEXT NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "domains_domain_key" ON "domains"("domain");

-- CreateIndex
CREATE INDEX "users_domain_idx" ON "users"("domain");

-- CreateIndex
CREATE UNIQUE INDEX "users_local_domain_key" ON "users"("local", "domain");

-- CreateIndex
CREATE INDEX "domain_admins_domain_id_idx" ON "domain_admins"("domain_id");

-- CreateIndex
CREATE INDEX "aliases_source_domain_idx" ON "aliases"("source_domain");

-- CreateIndex
CREATE UNIQUE INDEX "aliases_source_destination_key" ON "aliases"("source_local", "source_domain", "destination_local", "destination_domain");

-- CreateIndex
CREATE INDEX "access_rules_scope_position_idx" ON "access_rules"("scope", "position");

-- CreateIndex
CREATE UNIQUE INDEX "folders_user_id_name_key" ON "folders"("user_id", "name");

-- CreateIndex
CREATE INDEX "messages_folder_id_modseq_idx" ON "messages"("folder_id", "modseq");

-- CreateIndex
CREATE INDEX "messages_blob_sha256_idx" ON "messages"("blob_sha256");

-- CreateIndex
CREATE UNIQUE INDEX "messages_folder_id_uid_key" ON "messages"("folder_id", "uid");

-- CreateIndex
CREATE INDEX "mail_changes_folder_id_id_idx" ON "mail_changes"("folder_id", "id");

-- CreateIndex
CREATE UNIQUE INDEX "queue_entries_queue_id_key" ON "queue_entries"("queue_id");

-- CreateIndex
CREATE INDEX "queue_entries_status_next_attempt_at_idx" ON "queue_entries"("status", "next_attempt_at");

-- CreateIndex
CREATE INDEX "queue_recipients_entry_id_idx" ON "queue_recipients"("entry_id");

-- CreateIndex
CREATE INDEX "events_time_idx" ON "events"("time");

-- CreateIndex
CREATE INDEX "events_queue_id_idx" ON "events"("queue_id");

-- CreateIndex
CREATE INDEX "events_action_time_idx" ON "events"("action", "time");

-- CreateIndex
CREATE INDEX "audit_log_time_idx" ON "audit_log"("time");

-- CreateIndex
CREATE INDEX "auth_failures_key_time_idx" ON "auth_failures"("key", "time");
