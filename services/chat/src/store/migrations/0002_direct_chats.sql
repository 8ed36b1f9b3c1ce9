CREATE TABLE "sharing_skips" (
	"chat_id" text NOT NULL,
	"person_id" text NOT NULL,
	"reason" text NOT NULL,
	"message" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sharing_skips_chat_id_person_id_pk" PRIMARY KEY("chat_id","person_id")
);
--> statement-breakpoint
ALTER TABLE "chats" ADD COLUMN "direct_key" text;--> statement-breakpoint
ALTER TABLE "chats" ADD CONSTRAINT "chats_direct_key_unique" UNIQUE("direct_key");