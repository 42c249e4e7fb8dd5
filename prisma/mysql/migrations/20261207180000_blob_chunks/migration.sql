-- Message content stored in the database (POSTROOM_BLOB_STORE=database), in 1 MiB chunks.
CREATE TABLE `blob_chunks` (
    `sha256` CHAR(64) NOT NULL,
    `idx` INTEGER NOT NULL,
    `data` LONGBLOB NOT NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    PRIMARY KEY (`sha256`, `idx`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
