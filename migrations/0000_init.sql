CREATE TABLE `accounts` (
	`domain` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`hq` text NOT NULL,
	`tier` text NOT NULL,
	`icp_score` real NOT NULL,
	`extra` text DEFAULT '{}' NOT NULL,
	`created_at` text NOT NULL,
	`created_by` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `actors` (
	`account` text PRIMARY KEY NOT NULL,
	`machine_version` integer NOT NULL,
	`snapshot` text NOT NULL,
	`stage` text NOT NULL,
	`substate` text,
	`version` integer NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`account`) REFERENCES `accounts`(`domain`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `actors_stage` ON `actors` (`stage`,`substate`);--> statement-breakpoint
CREATE TABLE `escalations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`severity` text NOT NULL,
	`subject` text NOT NULL,
	`detail` text NOT NULL,
	`at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `escalations_kind_subject` ON `escalations` (`kind`,`subject`);--> statement-breakpoint
CREATE TABLE `events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account` text NOT NULL,
	`seq` integer NOT NULL,
	`type` text NOT NULL,
	`payload` text NOT NULL,
	`by` text NOT NULL,
	`role` text NOT NULL,
	`source` text NOT NULL,
	`at` text NOT NULL,
	`stage_before` text,
	`stage_after` text NOT NULL,
	`reason` text,
	`idempotency_key` text,
	`recorded_at` text NOT NULL,
	FOREIGN KEY (`account`) REFERENCES `accounts`(`domain`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_account_seq` ON `events` (`account`,`seq`);--> statement-breakpoint
CREATE UNIQUE INDEX `events_idempotency` ON `events` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `events_type_at` ON `events` (`type`,`at`);--> statement-breakpoint
CREATE INDEX `events_at` ON `events` (`at`);--> statement-breakpoint
CREATE TABLE `import_batches` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`file` text NOT NULL,
	`content_hash` text NOT NULL,
	`at` text NOT NULL,
	`by` text NOT NULL,
	`total` integer NOT NULL,
	`unique_rows` integer NOT NULL,
	`duplicates` integer NOT NULL,
	`rejected` integer NOT NULL,
	`report` text
);
--> statement-breakpoint
CREATE INDEX `import_batches_at` ON `import_batches` (`at`);--> statement-breakpoint
CREATE TABLE `intake_bounces` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`sender` text NOT NULL,
	`path` text,
	`problems` text NOT NULL,
	`at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `intake_bounces_sender` ON `intake_bounces` (`sender`);--> statement-breakpoint
CREATE TABLE `intake_notes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account` text NOT NULL,
	`event_id` integer NOT NULL,
	`sender` text NOT NULL,
	`path` text,
	`content_hash` text NOT NULL,
	`front_matter` text NOT NULL,
	`body` text NOT NULL,
	`stale` integer NOT NULL,
	`at` text NOT NULL,
	FOREIGN KEY (`account`) REFERENCES `accounts`(`domain`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `intake_notes_hash` ON `intake_notes` (`content_hash`);--> statement-breakpoint
CREATE TABLE `refusals` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account` text,
	`type` text NOT NULL,
	`payload` text NOT NULL,
	`by` text NOT NULL,
	`role` text NOT NULL,
	`source` text NOT NULL,
	`at` text NOT NULL,
	`why` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `refusals_account` ON `refusals` (`account`);--> statement-breakpoint
CREATE TABLE `stage_history` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account` text NOT NULL,
	`stage` text NOT NULL,
	`substate` text,
	`entered_at` text NOT NULL,
	`exited_at` text,
	`entered_by` integer NOT NULL,
	`exited_by` integer,
	FOREIGN KEY (`account`) REFERENCES `accounts`(`domain`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `stage_history_account` ON `stage_history` (`account`,`entered_at`);--> statement-breakpoint
CREATE INDEX `stage_history_stage` ON `stage_history` (`stage`,`entered_at`);--> statement-breakpoint
CREATE TABLE `suppressions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`value` text NOT NULL,
	`reason` text NOT NULL,
	`at` text NOT NULL,
	`by` text NOT NULL,
	`event_id` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `suppressions_value` ON `suppressions` (`kind`,`value`);--> statement-breakpoint
CREATE TABLE `timers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`account` text NOT NULL,
	`timer_id` text NOT NULL,
	`event` text NOT NULL,
	`due_at` text NOT NULL,
	`status` text NOT NULL,
	`armed_by` integer NOT NULL,
	`closed_by` integer,
	FOREIGN KEY (`account`) REFERENCES `accounts`(`domain`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `timers_due` ON `timers` (`due_at`) WHERE status = 'pending';--> statement-breakpoint
CREATE UNIQUE INDEX `timers_one_pending` ON `timers` (`account`,`timer_id`) WHERE status = 'pending';