-- IMAP subscriptions to names with no folder (after DELETE, or subscribed before CREATE).
CREATE TABLE "dangling_subscriptions" (
    "user_id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,

    PRIMARY KEY ("user_id", "name")
);
