-- CreateTable
CREATE TABLE `domains` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `domain` VARCHAR(253) NOT NULL,
    `enabled` BOOLEAN NOT NULL DEFAULT true,
    `alias_of_id` INTEGER NULL,
    `dkim_selector` VARCHAR(63) NULL,
    `dkim_private_key` TEXT NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    UNIQUE INDEX `domains_domain_key`(`domain`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `users` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `local` VARCHAR(64) NOT NULL,
    `domain` VARCHAR(253) NOT NULL,
    `password_hash` VARCHAR(256) NOT NULL,
    `display_name` VARCHAR(128) NOT NULL DEFAULT '',
    `quota_bytes` BIGINT NOT NULL DEFAULT 0,
    `used_bytes` BIGINT NOT NULL DEFAULT 0,
    `enabled` BOOLEAN NOT NULL DEFAULT true,
    `role` VARCHAR(16) NOT NULL DEFAULT 'user',
    `password_changed_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    INDEX `users_domain_idx`(`domain`),
    UNIQUE INDEX `users_local_domain_key`(`local`, `domain`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `domain_admins` (
    `user_id` INTEGER NOT NULL,
    `domain_id` INTEGER NOT NULL,

    INDEX `domain_admins_domain_id_idx`(`domain_id`),
    PRIMARY KEY (`user_id`, `domain_id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `aliases` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `source_local` VARCHAR(64) NOT NULL,
    `source_domain` VARCHAR(253) NOT NULL,
    `destination_local` VARCHAR(64) NOT NULL,
    `destination_domain` VARCHAR(253) NOT NULL,
    `enabled` BOOLEAN NOT NULL DEFAULT true,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    INDEX `aliases_source_domain_idx`(`source_domain`),
    UNIQUE INDEX `aliases_source_destination_key`(`source_local`, `source_domain`, `destination_local`, `destination_domain`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `access_rules` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `pattern` VARCHAR(320) NOT NULL,
    `scope` VARCHAR(16) NOT NULL,
    `action` VARCHAR(16) NOT NULL,
    `message` VARCHAR(255) NULL,
    `position` INTEGER NOT NULL DEFAULT 0,
    `note` VARCHAR(255) NULL,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    INDEX `access_rules_scope_position_idx`(`scope`, `position`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `folders` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `user_id` INTEGER NOT NULL,
    `name` VARCHAR(255) NOT NULL,
    `special_use` VARCHAR(16) NULL,
    `subscribed` BOOLEAN NOT NULL DEFAULT true,
    `uid_validity` INTEGER NOT NULL,
    `uid_next` INTEGER NOT NULL DEFAULT 1,
    `highest_modseq` BIGINT NOT NULL DEFAULT 1,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    UNIQUE INDEX `folders_user_id_name_key`(`user_id`, `name`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `blobs` (
    `sha256` CHAR(64) NOT NULL,
    `size` INTEGER NOT NULL,
    `ref_count` INTEGER NOT NULL DEFAULT 0,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    PRIMARY KEY (`sha256`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `messages` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `folder_id` INTEGER NOT NULL,
    `uid` INTEGER NOT NULL,
    `modseq` BIGINT NOT NULL,
    `seen` BOOLEAN NOT NULL DEFAULT false,
    `answered` BOOLEAN NOT NULL DEFAULT false,
    `flagged` BOOLEAN NOT NULL DEFAULT false,
    `deleted` BOOLEAN NOT NULL DEFAULT false,
    `draft` BOOLEAN NOT NULL DEFAULT false,
    `keywords` VARCHAR(1024) NOT NULL DEFAULT '',
    `internal_date` DATETIME(3) NOT NULL,
    `size` INTEGER NOT NULL,
    `blob_sha256` CHAR(64) NOT NULL,
    `envelope` TEXT NOT NULL,
    `body_structure` TEXT NOT NULL,
    `header_size` INTEGER NOT NULL,
    `sent_date` DATETIME(3) NULL,
    `subject` VARCHAR(512) NOT NULL DEFAULT '',
    `from_addr` VARCHAR(512) NOT NULL DEFAULT '',
    `to_addr` VARCHAR(1024) NOT NULL DEFAULT '',
    `cc_addr` VARCHAR(1024) NOT NULL DEFAULT '',
    `message_id` VARCHAR(512) NOT NULL DEFAULT '',
    `has_attachment` BOOLEAN NOT NULL DEFAULT false,
    `auth_result` VARCHAR(16) NOT NULL DEFAULT '',

    INDEX `messages_folder_id_modseq_idx`(`folder_id`, `modseq`),
    INDEX `messages_blob_sha256_idx`(`blob_sha256`),
    UNIQUE INDEX `messages_folder_id_uid_key`(`folder_id`, `uid`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `mail_changes` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `folder_id` INTEGER NOT NULL,
    `uid` INTEGER NOT NULL,
    `modseq` BIGINT NOT NULL,
    `kind` VARCHAR(8) NOT NULL,

    INDEX `mail_changes_folder_id_id_idx`(`folder_id`, `id`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `queue_entries` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `queue_id` VARCHAR(32) NOT NULL,
    `sender` VARCHAR(320) NOT NULL,
    `blob_sha256` CHAR(64) NOT NULL,
    `size` INTEGER NOT NULL,
    `status` VARCHAR(16) NOT NULL DEFAULT 'queued',
    `attempts` INTEGER NOT NULL DEFAULT 0,
    `next_attempt_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `last_reply` TEXT NULL,
    `locked_by` VARCHAR(64) NULL,
    `locked_until` DATETIME(3) NULL,
    `delay_notified` BOOLEAN NOT NULL DEFAULT false,
    `created_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    UNIQUE INDEX `queue_entries_queue_id_key`(`queue_id`),
    INDEX `queue_entries_status_next_attempt_at_idx`(`status`, `next_attempt_at`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `queue_recipients` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `entry_id` INTEGER NOT NULL,
    `address` VARCHAR(320) NOT NULL,
    `status` VARCHAR(16) NOT NULL DEFAULT 'pending',
    `last_reply` TEXT NULL,

    INDEX `queue_recipients_entry_id_idx`(`entry_id`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `events` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `time` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `protocol` VARCHAR(16) NOT NULL,
    `client_ip` VARCHAR(64) NULL,
    `user` VARCHAR(320) NULL,
    `action` VARCHAR(32) NOT NULL,
    `result` VARCHAR(32) NOT NULL,
    `queue_id` VARCHAR(32) NULL,
    `detail` TEXT NULL,

    INDEX `events_time_idx`(`time`),
    INDEX `events_queue_id_idx`(`queue_id`),
    INDEX `events_action_time_idx`(`action`, `time`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `audit_log` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `time` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    `actor` VARCHAR(320) NOT NULL,
    `action` VARCHAR(64) NOT NULL,
    `object_type` VARCHAR(32) NOT NULL,
    `object_id` VARCHAR(320) NULL,
    `before` TEXT NULL,
    `after` TEXT NULL,

    INDEX `audit_log_time_idx`(`time`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `auth_failures` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `key` VARCHAR(330) NOT NULL,
    `time` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    INDEX `auth_failures_key_time_idx`(`key`, `time`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `settings` (
    `key` VARCHAR(64) NOT NULL,
    `value` TEXT NOT NULL,

    PRIMARY KEY (`key`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `domains` ADD CONSTRAINT `domains_alias_of_id_fkey` FOREIGN KEY (`alias_of_id`) REFERENCES `domains`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `users` ADD CONSTRAINT `users_domain_fkey` FOREIGN KEY (`domain`) REFERENCES `domains`(`domain`) ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `domain_admins` ADD CONSTRAINT `domain_admins_user_id_fkey` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `domain_admins` ADD CONSTRAINT `domain_admins_domain_id_fkey` FOREIGN KEY (`domain_id`) REFERENCES `domains`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `aliases` ADD CONSTRAINT `aliases_source_domain_fkey` FOREIGN KEY (`source_domain`) REFERENCES `domains`(`domain`) ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `folders` ADD CONSTRAINT `folders_user_id_fkey` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `messages` ADD CONSTRAINT `messages_folder_id_fkey` FOREIGN KEY (`folder_id`) REFERENCES `folders`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `messages` ADD CONSTRAINT `messages_blob_sha256_fkey` FOREIGN KEY (`blob_sha256`) REFERENCES `blobs`(`sha256`) ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE `queue_recipients` ADD CONSTRAINT `queue_recipients_entry_id_fkey` FOREIGN KEY (`entry_id`) REFERENCES `queue_entries`(`id`) ON DELETE CASCADE ON UPDATE CASCADE;

-- The seed's views, so Postfix and Dovecot can read the same database (fully qualified addresses).
CREATE VIEW `users_fqda` AS
    SELECT CONCAT(`users`.`local`, '@', `domains`.`domain`) AS `fqda`, `users`.`password_hash`, `users`.`display_name`
    FROM `users`, `domains`
    WHERE `users`.`domain` = `domains`.`domain` AND `users`.`enabled` = true;

CREATE VIEW `aliases_fqda` AS
    SELECT CONCAT(`source_local`, '@', `source_domain`) AS `fqda`,
           CONCAT(`destination_local`, '@', `destination_domain`) AS `destination`
    FROM `aliases`
    WHERE `enabled` = true;
