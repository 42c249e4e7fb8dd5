-- Where `postroom import imap` got to, per target mailbox, source account and source folder.
CREATE TABLE `imap_import_states` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `user_id` INTEGER NOT NULL,
    `source` VARCHAR(320) NOT NULL,
    `folder` VARCHAR(255) NOT NULL,
    `uid_validity` BIGINT NOT NULL,
    `last_uid` BIGINT NOT NULL DEFAULT 0,
    `updated_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    UNIQUE INDEX `imap_import_states_user_id_source_folder_key`(`user_id`, `source`, `folder`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

ALTER TABLE `imap_import_states` ADD CONSTRAINT `imap_import_states_user_id_fkey` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
