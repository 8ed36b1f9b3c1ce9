-- X3: btree_gin lets one GIN index hold the chat (a btree-like text) beside the words. Trusted since PostgreSQL 13.
CREATE EXTENSION IF NOT EXISTS btree_gin;--> statement-breakpoint
DROP INDEX "messages_search";--> statement-breakpoint
CREATE INDEX "messages_search" ON "messages" USING gin ("chat_id","search_vector");
