-- URLAUTH (RFC 4467) mailbox access keys, one per folder; RESETKEY deletes them.
CREATE TABLE `urlauth_keys` (
    `folder_id` INTEGER NOT NULL,
    `secret` CHAR(64) NOT NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    PRIMARY KEY (`folder_id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `urlauth_keys` ADD CONSTRAINT `urlauth_keys_folder_id_fkey` FOREIGN KEY (`folder_id`) REFERENCES `folders`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
