CREATE TABLE `data_migrations` (
	`id` text PRIMARY KEY NOT NULL,
	`at` text NOT NULL,
	`detail` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `settings` (
	`version` integer PRIMARY KEY NOT NULL,
	`body` text NOT NULL,
	`at` text NOT NULL,
	`by` text NOT NULL,
	`role` text NOT NULL,
	`change` text NOT NULL
);
--> statement-breakpoint
ALTER TABLE `events` ADD `settings_version` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `events` ADD `machine_version` integer DEFAULT 1 NOT NULL;