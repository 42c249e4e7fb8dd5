-- ENVELOPE and BODYSTRUCTURE JSON of big messages (thousands of recipients or parts) outgrow TEXT (64 KiB).
ALTER TABLE `messages` MODIFY `envelope` MEDIUMTEXT NOT NULL, MODIFY `body_structure` MEDIUMTEXT NOT NULL;
