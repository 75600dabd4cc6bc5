CREATE TABLE "recording_chunks" (
	"session_id" uuid NOT NULL,
	"org_id" uuid NOT NULL,
	"index" integer NOT NULL,
	"sha256" text NOT NULL,
	"size" integer NOT NULL,
	"sealed" "bytea" NOT NULL,
	"final" boolean NOT NULL,
	"terminal_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"has_events" boolean DEFAULT false NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "recording_chunks_session_id_index_pk" PRIMARY KEY("session_id","index")
);
--> statement-breakpoint
CREATE TABLE "session_recordings" (
	"session_id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"key_ciphertext" text NOT NULL,
	"chunk_count" integer DEFAULT 0 NOT NULL,
	"terminal_bytes" integer DEFAULT 0 NOT NULL,
	"event_count" integer DEFAULT 0 NOT NULL,
	"terminal_count" integer DEFAULT 0 NOT NULL,
	"last_exit_code" integer,
	"last_exit_chunk" integer,
	"final_index" integer,
	"first_at" timestamp with time zone,
	"last_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "recording_chunks" ADD CONSTRAINT "recording_chunks_session_id_session_recordings_session_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."session_recordings"("session_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recording_chunks" ADD CONSTRAINT "recording_chunks_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_recordings" ADD CONSTRAINT "session_recordings_session_id_pam_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."pam_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_recordings" ADD CONSTRAINT "session_recordings_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "session_recordings_org_idx" ON "session_recordings" USING btree ("org_id");