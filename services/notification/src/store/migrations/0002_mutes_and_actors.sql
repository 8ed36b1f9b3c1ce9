CREATE TABLE "chat_mutes" (
	"chat_id" text NOT NULL,
	"person_id" text NOT NULL,
	"muted_until" timestamp with time zone,
	"version" integer NOT NULL,
	CONSTRAINT "chat_mutes_chat_id_person_id_pk" PRIMARY KEY("chat_id","person_id")
);
--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "actor_id" text;