CREATE TABLE `sends` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account` text NOT NULL,
	`sequence` text NOT NULL,
	`run` integer NOT NULL,
	`step` integer NOT NULL,
	`message_id` text NOT NULL,
	`due_at` text NOT NULL,
	`planned_for` text NOT NULL,
	`rank` integer NOT NULL,
	`status` text NOT NULL,
	`rolls` integer DEFAULT 0 NOT NULL,
	`queued_for` text,
	`contact` text,
	`template` text,
	`list` text,
	`executor` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`detail` text,
	`planned_at` text NOT NULL,
	`done_at` text,
	`done_by` text,
	`event_id` integer NOT NULL,
	FOREIGN KEY (`account`) REFERENCES `accounts`(`domain`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sends_touch` ON `sends` (`account`,`run`,`step`);--> statement-breakpoint
CREATE UNIQUE INDEX `sends_message_id` ON `sends` (`message_id`);--> statement-breakpoint
CREATE INDEX `sends_plan` ON `sends` (`status`,`planned_for`);--> statement-breakpoint
CREATE INDEX `sends_day` ON `sends` (`queued_for`,`status`);--> statement-breakpoint
CREATE INDEX `sends_done` ON `sends` (`status`,`done_at`);--> statement-breakpoint
CREATE INDEX `recipient_entries_account` ON `recipient_entries` (`account`);