CREATE TABLE `machine_actors` (
	`kind` text NOT NULL,
	`id` text NOT NULL,
	`machine_version` integer NOT NULL,
	`snapshot` text NOT NULL,
	`state` text NOT NULL,
	`version` integer NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `machine_actors_key` ON `machine_actors` (`kind`,`id`);--> statement-breakpoint
CREATE INDEX `machine_actors_state` ON `machine_actors` (`kind`,`state`);--> statement-breakpoint
CREATE TABLE `machine_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`actor_id` text NOT NULL,
	`seq` integer NOT NULL,
	`type` text NOT NULL,
	`payload` text NOT NULL,
	`by` text NOT NULL,
	`role` text NOT NULL,
	`source` text NOT NULL,
	`at` text NOT NULL,
	`recorded_at` text NOT NULL,
	`state_before` text,
	`state_after` text NOT NULL,
	`reason` text,
	`idempotency_key` text,
	`settings_version` integer NOT NULL,
	`machine_version` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `machine_events_actor_seq` ON `machine_events` (`kind`,`actor_id`,`seq`);--> statement-breakpoint
CREATE UNIQUE INDEX `machine_events_idempotency` ON `machine_events` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `machine_events_type_at` ON `machine_events` (`type`,`at`);--> statement-breakpoint
CREATE TABLE `machine_timers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`actor_id` text NOT NULL,
	`timer_id` text NOT NULL,
	`event` text NOT NULL,
	`due_at` text NOT NULL,
	`status` text NOT NULL,
	`armed_by` integer NOT NULL,
	`closed_by` integer
);
--> statement-breakpoint
CREATE INDEX `machine_timers_due` ON `machine_timers` (`due_at`) WHERE status = 'pending';--> statement-breakpoint
CREATE UNIQUE INDEX `machine_timers_one_pending` ON `machine_timers` (`kind`,`actor_id`,`timer_id`) WHERE status = 'pending';--> statement-breakpoint
CREATE TABLE `recipient_entries` (
	`list` text NOT NULL,
	`account` text NOT NULL,
	`contact` text NOT NULL,
	`stage` text NOT NULL,
	`why` text NOT NULL,
	FOREIGN KEY (`list`) REFERENCES `recipient_lists`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`account`) REFERENCES `accounts`(`domain`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `recipient_entries_key` ON `recipient_entries` (`list`,`account`,`contact`);--> statement-breakpoint
CREATE INDEX `recipient_entries_contact` ON `recipient_entries` (`contact`);--> statement-breakpoint
CREATE TABLE `recipient_lists` (
	`id` text PRIMARY KEY NOT NULL,
	`template` text NOT NULL,
	`proposed_at` text NOT NULL,
	`proposed_by` text NOT NULL,
	`note` text,
	FOREIGN KEY (`template`) REFERENCES `templates`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `recipient_lists_template` ON `recipient_lists` (`template`);--> statement-breakpoint
CREATE TABLE `templates` (
	`id` text PRIMARY KEY NOT NULL,
	`key` text NOT NULL,
	`sequence` text NOT NULL,
	`step` integer NOT NULL,
	`version` integer NOT NULL,
	`hash` text NOT NULL,
	`subject` text NOT NULL,
	`text` text NOT NULL,
	`file` text NOT NULL,
	`added_at` text NOT NULL,
	`added_by` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `templates_hash` ON `templates` (`hash`);--> statement-breakpoint
CREATE UNIQUE INDEX `templates_key_version` ON `templates` (`key`,`version`);--> statement-breakpoint
ALTER TABLE `refusals` ADD `subject` text;