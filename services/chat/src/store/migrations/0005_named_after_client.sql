ALTER TABLE "chats" ADD COLUMN "named_after_client_id" text;--> statement-breakpoint
-- S5, G5: chats converted before this column existed keep a name generated from their original
-- client, the first client who ever joined (a rejoin keeps joined_at). A group whose owner chose
-- such a name reads neutrally to other clients until renamed: the safe side.
UPDATE "chats" SET "named_after_client_id" = (
  SELECT "person_id" FROM "chat_members"
  WHERE "chat_members"."chat_id" = "chats"."id" AND "chat_members"."kind" = 'client'
  ORDER BY "joined_at", "person_id" LIMIT 1
) WHERE "kind" = 'group' AND "program_id" IS NULL AND "name" LIKE '% (Group)';
