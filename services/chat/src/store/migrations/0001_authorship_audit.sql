CREATE TABLE "authorship_audit" (
	"message_id" text PRIMARY KEY NOT NULL,
	"author_id" text NOT NULL,
	"unlinked_at" timestamp with time zone DEFAULT now() NOT NULL,
	"unlinked_by" text NOT NULL
);
