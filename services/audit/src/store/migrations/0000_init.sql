CREATE TABLE "audit_heads" (
	"practice_id" text PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_records" (
	"practice_id" text NOT NULL,
	"seq" bigint NOT NULL,
	"id" text NOT NULL,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_id" text NOT NULL,
	"action" text NOT NULL,
	"chat_id" text,
	"target_ids" jsonb NOT NULL,
	"outcome" text NOT NULL,
	"request_id" text NOT NULL,
	"client_ip" text NOT NULL,
	"user_agent" text NOT NULL,
	"details" jsonb NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "audit_records_practice_id_seq_pk" PRIMARY KEY("practice_id","seq"),
	CONSTRAINT "audit_records_id_unique" UNIQUE("id")
);
--> statement-breakpoint
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
CREATE INDEX "audit_records_actor" ON "audit_records" USING btree ("practice_id","actor_id","seq");--> statement-breakpoint
CREATE INDEX "audit_records_chat" ON "audit_records" USING btree ("practice_id","chat_id","seq");--> statement-breakpoint
CREATE INDEX "audit_records_action" ON "audit_records" USING btree ("practice_id","action","seq");