CREATE TABLE "chat_export_files" (
	"export_id" text NOT NULL,
	"format" text NOT NULL,
	"size" bigint NOT NULL,
	"sha256" text NOT NULL,
	"parts" integer NOT NULL,
	CONSTRAINT "chat_export_files_export_id_format_pk" PRIMARY KEY("export_id","format")
);
--> statement-breakpoint
CREATE TABLE "chat_export_parts" (
	"export_id" text NOT NULL,
	"format" text NOT NULL,
	"part" integer NOT NULL,
	"data" "bytea" NOT NULL,
	CONSTRAINT "chat_export_parts_export_id_format_part_pk" PRIMARY KEY("export_id","format","part")
);
--> statement-breakpoint
CREATE TABLE "chat_exports" (
	"id" text PRIMARY KEY NOT NULL,
	"practice_id" text NOT NULL,
	"chat_id" text NOT NULL,
	"requested_by" text NOT NULL,
	"status" text NOT NULL,
	"up_to_seq" bigint,
	"messages_total" integer,
	"messages_done" integer DEFAULT 0 NOT NULL,
	"counts" jsonb,
	"claimed_until" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"failure_code" text,
	"failure_message" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "participant_changes" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "participant_changes_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"chat_id" text NOT NULL,
	"person_id" text NOT NULL,
	"change" text NOT NULL,
	"role" text,
	"via" text,
	"changed_by" text,
	"messages" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "chat_export_files" ADD CONSTRAINT "chat_export_files_export_id_chat_exports_id_fk" FOREIGN KEY ("export_id") REFERENCES "public"."chat_exports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chat_export_parts" ADD CONSTRAINT "chat_export_parts_export_id_chat_exports_id_fk" FOREIGN KEY ("export_id") REFERENCES "public"."chat_exports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "chat_exports_queue" ON "chat_exports" USING btree ("created_at") WHERE "chat_exports"."status" in ('pending', 'running');--> statement-breakpoint
CREATE INDEX "chat_exports_expiry" ON "chat_exports" USING btree ("expires_at") WHERE "chat_exports"."status" = 'ready';--> statement-breakpoint
CREATE INDEX "participant_changes_chat" ON "participant_changes" USING btree ("chat_id","id");--> statement-breakpoint
-- C2: what the membership projection knows of changes made before this table: each membership's
-- latest join and its removal; who made them, and how messages were handled, were not recorded.
INSERT INTO "participant_changes" ("chat_id", "person_id", "change", "role", "at")
SELECT "chat_id", "person_id", 'added', "role", "joined_at" FROM "chat_members"
UNION ALL
SELECT "chat_id", "person_id", 'removed', NULL, "removed_at" FROM "chat_members" WHERE "removed_at" IS NOT NULL
ORDER BY 5;
