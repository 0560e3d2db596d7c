CREATE TABLE `user_tokens` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user` text NOT NULL,
	`hash` text NOT NULL,
	`created_at` text NOT NULL,
	`created_by` text NOT NULL,
	`revoked_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `user_tokens_hash` ON `user_tokens` (`hash`);--> statement-breakpoint
CREATE INDEX `user_tokens_user` ON `user_tokens` (`user`);