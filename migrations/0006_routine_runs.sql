ALTER TABLE `runs` ADD `detail` text;--> statement-breakpoint
ALTER TABLE `runs` ADD `as_of` text;