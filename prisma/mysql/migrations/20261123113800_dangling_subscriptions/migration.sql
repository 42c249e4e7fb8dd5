-- IMAP subscriptions to names with no folder (after DELETE, or subscribed before CREATE).
CREATE TABLE `dangling_subscriptions` (
    `user_id` INTEGER NOT NULL,
    `name` VARCHAR(255) NOT NULL,

    PRIMARY KEY (`user_id`, `name`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
