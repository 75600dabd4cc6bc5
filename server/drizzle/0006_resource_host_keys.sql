CREATE TABLE "resource_host_keys" (
	"resource_id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"host" text NOT NULL,
	"port" integer NOT NULL,
	"host_keys" text[] NOT NULL,
	"gateway_id" uuid,
	"seen_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "resource_host_keys" ADD CONSTRAINT "resource_host_keys_resource_id_resources_id_fk" FOREIGN KEY ("resource_id") REFERENCES "public"."resources"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resource_host_keys" ADD CONSTRAINT "resource_host_keys_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "resource_host_keys" ADD CONSTRAINT "resource_host_keys_gateway_id_gateways_id_fk" FOREIGN KEY ("gateway_id") REFERENCES "public"."gateways"("id") ON DELETE set null ON UPDATE no action;