-- Sieve (RFC 5228): each mailbox's scripts (at most one active: active_for is unique), the
-- administrator's script run before every mailbox's own, and the vacation replies already sent
-- (RFC 5230: once per sender and handle within :days).
CREATE TABLE "sieve_scripts" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "user_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "compiled" TEXT NOT NULL,
    "active_for" INTEGER,
    "updated_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "sieve_scripts_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "sieve_scripts_active_for_key" ON "sieve_scripts"("active_for");

-- CreateIndex
CREATE UNIQUE INDEX "sieve_scripts_user_id_name_key" ON "sieve_scripts"("user_id", "name");

CREATE TABLE "sieve_admin_scripts" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "source" TEXT NOT NULL,
    "compiled" TEXT NOT NULL,
    "updated_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE "sieve_vacation_replies" (
    "user_id" INTEGER NOT NULL,
    "handle" TEXT NOT NULL,
    "sender" TEXT NOT NULL,
    "expires_at" DATETIME NOT NULL,

    PRIMARY KEY ("user_id", "handle", "sender"),
    CONSTRAINT "sieve_vacation_replies_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "sieve_vacation_replies_expires_at_idx" ON "sieve_vacation_replies"("expires_at");
