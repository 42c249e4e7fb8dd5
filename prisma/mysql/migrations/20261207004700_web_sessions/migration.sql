-- Server-side records of console and webmail sign-ins: the session cookie names one, and signing
-- out, a new password, a disabled mailbox or a changed role revoke them at once.
CREATE TABLE `web_sessions` (
    `id` VARCHAR(64) NOT NULL,
    `user_id` INTEGER NOT NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `last_seen_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `user_agent` VARCHAR(512) NOT NULL DEFAULT '',
    `client_ip` VARCHAR(64) NOT NULL DEFAULT '',
    `revoked_at` DATETIME(3) NULL,

    INDEX `web_sessions_user_id_idx`(`user_id`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `web_sessions` ADD CONSTRAINT `web_sessions_user_id_fkey` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
