-- Message content stored in the database (POSTROOM_BLOB_STORE=database), in 1 MiB chunks.
CREATE TABLE "blob_chunks" (
    "sha256" TEXT NOT NULL,
    "idx" INTEGER NOT NULL,
    "data" BLOB NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("sha256", "idx")
);
