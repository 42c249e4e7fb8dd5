// What a database snapshot holds, read from the copy itself: row counts, migrations applied, and
// the message files its rows refer to (the blobs the backup must carry).
export interface SnapshotInfo {
  tables: Record<string, number>;
  migrations: string[];
  referenced: Set<string>;
  /** The settings row `blob_store` (where the instance writes new content), when there is one. */
  blobStore?: 'filesystem' | 'database';
}
