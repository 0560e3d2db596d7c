CREATE TABLE `monday_deliveries` (
	`trigger_uuid` text PRIMARY KEY NOT NULL,
	`received_at` text NOT NULL,
	`board_id` text NOT NULL,
	`item_id` text NOT NULL,
	`column_id` text NOT NULL,
	`monday_user` text NOT NULL,
	`user` text,
	`role` text,
	`account` text,
	`decision` text NOT NULL,
	`outcome` text NOT NULL,
	`detail` text NOT NULL,
	`event_id` integer,
	`reply` text,
	`reply_status` text NOT NULL,
	`reply_update_id` text,
	`reset_status` text NOT NULL,
	`last_error` text,
	`answered_at` text
);
--> statement-breakpoint
CREATE INDEX `monday_deliveries_open` ON `monday_deliveries` (`received_at`) WHERE reply_status in ('pending', 'uncertain') or reset_status = 'pending';