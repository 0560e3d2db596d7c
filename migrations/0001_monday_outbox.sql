CREATE TABLE `monday_comments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account` text NOT NULL,
	`key` text NOT NULL,
	`body` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`update_id` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`dead_fix` text,
	`created_at` text NOT NULL,
	`posted_at` text,
	FOREIGN KEY (`account`) REFERENCES `accounts`(`domain`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `monday_comments_key` ON `monday_comments` (`key`);--> statement-breakpoint
CREATE INDEX `monday_comments_open` ON `monday_comments` (`status`,`id`) WHERE status in ('pending', 'uncertain');--> statement-breakpoint
CREATE TABLE `monday_items` (
	`account` text PRIMARY KEY NOT NULL,
	`item_id` text,
	`desired` text NOT NULL,
	`desired_version` integer NOT NULL,
	`pushed_version` integer DEFAULT 0 NOT NULL,
	`state` text DEFAULT 'ok' NOT NULL,
	`dead_reason` text,
	`dead_fix` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`account`) REFERENCES `accounts`(`domain`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `monday_items_dirty` ON `monday_items` (`account`) WHERE desired_version > pushed_version or item_id is null;--> statement-breakpoint
CREATE INDEX `monday_items_item` ON `monday_items` (`item_id`);