-- Open connections per client address held by each mail worker node, so per-address limits hold across nodes.
CREATE TABLE `connection_counts` (
    `node_id` VARCHAR(128) NOT NULL,
    `counter` VARCHAR(32) NOT NULL,
    `count_key` VARCHAR(320) NOT NULL,
    `open_count` INTEGER NOT NULL,
    `updated_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    INDEX `connection_counts_updated_at_idx`(`updated_at`),
    PRIMARY KEY (`node_id`, `counter`, `count_key`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
