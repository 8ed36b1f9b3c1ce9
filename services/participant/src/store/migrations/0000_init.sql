CREATE TABLE "inbox" (
	"consumer" text NOT NULL,
	"event_id" text NOT NULL,
	"applied_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "inbox_consumer_event_id_pk" PRIMARY KEY("consumer","event_id")
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
CREATE TABLE "participants" (
	"chat_id" text NOT NULL,
	"person_id" text NOT NULL,
	"practice_id" text NOT NULL,
	"role" text NOT NULL,
	"via" text NOT NULL,
	"kind" text NOT NULL,
	"added_by" text NOT NULL,
	"added_at" timestamp with time zone DEFAULT now() NOT NULL,
	"removed_at" timestamp with time zone,
	"pseudonym" text NOT NULL,
	CONSTRAINT "participants_chat_id_person_id_pk" PRIMARY KEY("chat_id","person_id")
);
--> statement-breakpoint
CREATE TABLE "people" (
	"practice_id" text NOT NULL,
	"id" text NOT NULL,
	"kind" text NOT NULL,
	"first_name" text NOT NULL,
	"last_name" text NOT NULL,
	"photo_url" text,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"team_role" text,
	"can_manage_team_settings" boolean DEFAULT false NOT NULL,
	"client_tag_restriction" jsonb,
	"zoom_linked" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "people_practice_id_id_pk" PRIMARY KEY("practice_id","id")
);
--> statement-breakpoint
CREATE TABLE "pseudonym_counters" (
	"chat_id" text PRIMARY KEY NOT NULL,
	"clients_seen" integer DEFAULT 0 NOT NULL
);
