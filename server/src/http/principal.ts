/** Who is calling, as established by the bearer token. */
export type Principal =
  | { kind: 'user'; userId: string; email: string }
  | { kind: 'machine'; identityId: string; orgId: string };
