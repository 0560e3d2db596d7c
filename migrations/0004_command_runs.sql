CREATE TABLE `runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`command` text NOT NULL,
	`pid` integer NOT NULL,
	`host` text NOT NULL,
	`started_at` text NOT NULL,
	`ended_at` text,
	`outcome` text
);
--> statement-breakpoint
CREATE INDEX `runs_open` ON `runs` (`id`) WHERE ended_at is null;