-- The console sorts mailboxes by domain, then local part; this index serves that order.
CREATE INDEX `users_domain_local_idx` ON `users`(`domain`, `local`);
