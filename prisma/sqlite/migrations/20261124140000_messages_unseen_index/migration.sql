-- SELECT reports the first unseen message and STATUS counts unseen ones; in a mostly read folder
-- that walked every row. This index finds them directly.
CREATE INDEX "messages_folder_id_seen_uid_idx" ON "messages"("folder_id", "seen", "uid");
