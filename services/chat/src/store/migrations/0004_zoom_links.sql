CREATE TABLE "zoom_links" (
	"practice_id" text NOT NULL,
	"person_id" text NOT NULL,
	"access_token" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "zoom_links_practice_id_person_id_pk" PRIMARY KEY("practice_id","person_id")
);
