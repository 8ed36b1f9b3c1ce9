CREATE TABLE "attachment_refs" (
	"attachment_id" text NOT NULL,
	"message_id" text NOT NULL,
	"chat_id" text NOT NULL,
	CONSTRAINT "attachment_refs_attachment_id_message_id_pk" PRIMARY KEY("attachment_id","message_id")
);
--> statement-breakpoint
CREATE TABLE "attachments" (
	"id" text PRIMARY KEY NOT NULL,
	"practice_id" text NOT NULL,
	"uploader_id" text NOT NULL,
	"filename" text NOT NULL,
	"content_type" text NOT NULL,
	"size" bigint NOT NULL,
	"sha256" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "chat_members" (
	"chat_id" text NOT NULL,
	"person_id" text NOT NULL,
	"practice_id" text NOT NULL,
	"role" text NOT NULL,
	"kind" text NOT NULL,
	"read_seq" bigint DEFAULT 0 NOT NULL,
	"marked_unread" boolean DEFAULT false NOT NULL,
	"joined_at" timestamp with time zone DEFAULT now() NOT NULL,
	"removed_at" timestamp with time zone,
	CONSTRAINT "chat_members_chat_id_person_id_pk" PRIMARY KEY("chat_id","person_id")
);
--> statement-breakpoint
CREATE TABLE "chats" (
	"id" text PRIMARY KEY NOT NULL,
	"practice_id" text NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"avatar" text NOT NULL,
	"style" text NOT NULL,
	"client_naming" text NOT NULL,
	"hide_client_identities" boolean NOT NULL,
	"locked" boolean DEFAULT false NOT NULL,
	"owner_id" text NOT NULL,
	"program_id" text,
	"last_seq" bigint DEFAULT 0 NOT NULL,
	"last_activity_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"chat_id" text NOT NULL,
	"author_id" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"message_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_chat_id_author_id_key_pk" PRIMARY KEY("chat_id","author_id","key")
);
--> statement-breakpoint
CREATE TABLE "inbox" (
	"consumer" text NOT NULL,
	"event_id" text NOT NULL,
	"applied_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "inbox_consumer_event_id_pk" PRIMARY KEY("consumer","event_id")
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"id" text PRIMARY KEY NOT NULL,
	"chat_id" text NOT NULL,
	"seq" bigint NOT NULL,
	"parent_id" text,
	"author_id" text,
	"body" text NOT NULL,
	"mentions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"attachment_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"reply_count" integer DEFAULT 0 NOT NULL,
	"pinned_at" timestamp with time zone,
	"edited_at" timestamp with time zone,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "messages_chat_seq" UNIQUE("chat_id","seq")
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"position" bigserial PRIMARY KEY NOT NULL,
	"id" text NOT NULL,
	"type" text NOT NULL,
	"envelope" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "outbox_id_unique" UNIQUE("id")
);
--> statement-breakpoint
CREATE TABLE "revisions" (
	"message_id" text NOT NULL,
	"number" integer NOT NULL,
	"body" text NOT NULL,
	"attachment_ids" jsonb NOT NULL,
	"replaced_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "revisions_message_id_number_pk" PRIMARY KEY("message_id","number")
);
--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_chat_id_chats_id_fk" FOREIGN KEY ("chat_id") REFERENCES "public"."chats"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "attachment_refs_message" ON "attachment_refs" USING btree ("message_id");--> statement-breakpoint
CREATE INDEX "chat_members_person" ON "chat_members" USING btree ("practice_id","person_id");--> statement-breakpoint
CREATE INDEX "messages_top_level" ON "messages" USING btree ("chat_id","seq") WHERE "messages"."parent_id" is null;--> statement-breakpoint
CREATE INDEX "messages_thread" ON "messages" USING btree ("parent_id","seq");