-- Open connections per client address held by each mail worker node, so per-address limits hold across nodes.
CREATE TABLE "connection_counts" (
    "node_id" TEXT NOT NULL,
    "counter" TEXT NOT NULL,
    "count_key" TEXT NOT NULL,
    "open_count" INTEGER NOT NULL,
    "updated_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("node_id", "counter", "count_key")
);

-- CreateIndex
CREATE INDEX "connection_counts_updated_at_idx" ON "connection_counts"("updated_at");
