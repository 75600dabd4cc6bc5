CREATE TABLE "certificate_authorities" (
	"id" uuid PRIMARY KEY NOT NULL,
	"scope" text NOT NULL,
	"scope_key" text NOT NULL,
	"kind" text NOT NULL,
	"org_id" uuid,
	"resource_id" uuid,
	"certificate_pem" text,
	"public_key" text,
	"private_key_ciphertext" text NOT NULL,
	"not_after" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "certificate_authorities_has_public_part" CHECK (("certificate_authorities"."certificate_pem" is null) <> ("certificate_authorities"."public_key" is null)),
	CONSTRAINT "certificate_authorities_scope_ids" CHECK (("certificate_authorities"."scope" = 'instance' and "certificate_authorities"."org_id" is null)
    or ("certificate_authorities"."scope" = 'org' and "certificate_authorities"."org_id" is not null and "certificate_authorities"."resource_id" is null)
    or ("certificate_authorities"."scope" = 'resource' and "certificate_authorities"."org_id" is not null and "certificate_authorities"."resource_id" is not null))
);
--> statement-breakpoint
CREATE TABLE "gateway_enrollments" (
	"gateway_id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"relay_id" uuid,
	"ssh_public_key_fingerprint" text,
	"enrolled_at" timestamp with time zone,
	"certificates_expire_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pam_sessions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"project_id" uuid NOT NULL,
	"resource_id" uuid,
	"account_id" uuid,
	"user_id" uuid,
	"gateway_id" uuid,
	"relay_id" uuid,
	"status" text DEFAULT 'active' NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"terminated_at" timestamp with time zone,
	CONSTRAINT "pam_sessions_expires_after_start" CHECK ("pam_sessions"."expires_at" > "pam_sessions"."started_at")
);
--> statement-breakpoint
CREATE TABLE "relays" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"scope" text NOT NULL,
	"org_id" uuid,
	"machine_identity_id" uuid,
	"client_tls_address" text NOT NULL,
	"gateway_ssh_address" text NOT NULL,
	"enrolled_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "relays_scope_org" CHECK (("relays"."scope" = 'instance') = ("relays"."org_id" is null))
);
--> statement-breakpoint
ALTER TABLE "certificate_authorities" ADD CONSTRAINT "certificate_authorities_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "certificate_authorities" ADD CONSTRAINT "certificate_authorities_resource_id_resources_id_fk" FOREIGN KEY ("resource_id") REFERENCES "public"."resources"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gateway_enrollments" ADD CONSTRAINT "gateway_enrollments_gateway_id_gateways_id_fk" FOREIGN KEY ("gateway_id") REFERENCES "public"."gateways"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gateway_enrollments" ADD CONSTRAINT "gateway_enrollments_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gateway_enrollments" ADD CONSTRAINT "gateway_enrollments_relay_id_relays_id_fk" FOREIGN KEY ("relay_id") REFERENCES "public"."relays"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pam_sessions" ADD CONSTRAINT "pam_sessions_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pam_sessions" ADD CONSTRAINT "pam_sessions_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pam_sessions" ADD CONSTRAINT "pam_sessions_resource_id_resources_id_fk" FOREIGN KEY ("resource_id") REFERENCES "public"."resources"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pam_sessions" ADD CONSTRAINT "pam_sessions_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pam_sessions" ADD CONSTRAINT "pam_sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pam_sessions" ADD CONSTRAINT "pam_sessions_gateway_id_gateways_id_fk" FOREIGN KEY ("gateway_id") REFERENCES "public"."gateways"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pam_sessions" ADD CONSTRAINT "pam_sessions_relay_id_relays_id_fk" FOREIGN KEY ("relay_id") REFERENCES "public"."relays"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "relays" ADD CONSTRAINT "relays_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "relays" ADD CONSTRAINT "relays_machine_identity_id_machine_identities_id_fk" FOREIGN KEY ("machine_identity_id") REFERENCES "public"."machine_identities"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "certificate_authorities_scope_kind_unique" ON "certificate_authorities" USING btree ("scope_key","kind");--> statement-breakpoint
CREATE INDEX "gateway_enrollments_org_idx" ON "gateway_enrollments" USING btree ("org_id");--> statement-breakpoint
CREATE INDEX "pam_sessions_org_started_idx" ON "pam_sessions" USING btree ("org_id","started_at");--> statement-breakpoint
CREATE INDEX "pam_sessions_gateway_idx" ON "pam_sessions" USING btree ("gateway_id");--> statement-breakpoint
CREATE UNIQUE INDEX "relays_scope_name_unique" ON "relays" USING btree (coalesce("org_id"::text, 'instance'),"name");