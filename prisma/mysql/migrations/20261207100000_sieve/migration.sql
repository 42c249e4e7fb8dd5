-- Sieve (RFC 5228): each mailbox's scripts (at most one active: active_for is unique), the
-- administrator's script run before every mailbox's own, and the vacation replies already sent
-- (RFC 5230: once per sender and handle within :days).
CREATE TABLE `sieve_scripts` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `user_id` INTEGER NOT NULL,
    `name` VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
    `source` MEDIUMTEXT NOT NULL,
    `compiled` MEDIUMTEXT NOT NULL,
    `active_for` INTEGER NULL,
    `updated_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    UNIQUE INDEX `sieve_scripts_active_for_key`(`active_for`),
    UNIQUE INDEX `sieve_scripts_user_id_name_key`(`user_id`, `name`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE TABLE `sieve_admin_scripts` (
    `id` INTEGER NOT NULL,
    `source` MEDIUMTEXT NOT NULL,
    `compiled` MEDIUMTEXT NOT NULL,
    `updated_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

CREATE TABLE `sieve_vacation_replies` (
    `user_id` INTEGER NOT NULL,
    `handle` VARCHAR(64) COLLATE utf8mb4_bin NOT NULL,
    `sender` VARCHAR(320) NOT NULL,
    `expires_at` DATETIME(3) NOT NULL,

    INDEX `sieve_vacation_replies_expires_at_idx`(`expires_at`),
    PRIMARY KEY (`user_id`, `handle`, `sender`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `sieve_scripts` ADD CONSTRAINT `sieve_scripts_user_id_fkey` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `sieve_vacation_replies` ADD CONSTRAINT `sieve_vacation_replies_user_id_fkey` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;
