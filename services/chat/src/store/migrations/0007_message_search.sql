ALTER TABLE "messages" ADD COLUMN "search_language" "regconfig" DEFAULT 'simple'::regconfig NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "search_vector" "tsvector" GENERATED ALWAYS AS (to_tsvector("search_language", "body")) STORED NOT NULL;--> statement-breakpoint
CREATE INDEX "messages_search" ON "messages" USING gin ("search_vector");