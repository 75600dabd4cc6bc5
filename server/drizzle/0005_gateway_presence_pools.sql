CREATE TABLE "gateway_pools" (
	"gateway_id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"pool_name" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gateway_presence" (
	"gateway_id" uuid PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"relay_id" uuid,
	"connected" boolean NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "gateway_pools" ADD CONSTRAINT "gateway_pools_gateway_id_gateways_id_fk" FOREIGN KEY ("gateway_id") REFERENCES "public"."gateways"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gateway_pools" ADD CONSTRAINT "gateway_pools_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gateway_presence" ADD CONSTRAINT "gateway_presence_gateway_id_gateways_id_fk" FOREIGN KEY ("gateway_id") REFERENCES "public"."gateways"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gateway_presence" ADD CONSTRAINT "gateway_presence_org_id_orgs_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."orgs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gateway_presence" ADD CONSTRAINT "gateway_presence_relay_id_relays_id_fk" FOREIGN KEY ("relay_id") REFERENCES "public"."relays"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "gateway_pools_org_pool_idx" ON "gateway_pools" USING btree ("org_id","pool_name");--> statement-breakpoint
CREATE INDEX "gateway_presence_org_idx" ON "gateway_presence" USING btree ("org_id");