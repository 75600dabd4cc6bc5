/**
 * Recognises database errors worth answering with a typed API error. Both drivers report the
 * SQLSTATE in `code`; drizzle wraps driver errors in DrizzleQueryError with the driver error as
 * `cause`, and postgres.js and PGlite name the constraint differently.
 */
export interface UniqueViolation {
  constraint: string | undefined;
  /** Columns of the violated key, from the driver's detail text ("Key (org_id, name)=(…)"). */
  columns: string[];
}

interface DriverError {
  code?: unknown;
  constraint?: unknown;
  constraint_name?: unknown;
  detail?: unknown;
  cause?: unknown;
}

/** Walks the `cause` chain (bounded) to the driver's error. */
export function findDriverError(error: unknown, sqlState?: string): DriverError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const candidate = current as DriverError;
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code)) {
      return sqlState === undefined || candidate.code === sqlState ? candidate : undefined;
    }
    current = candidate.cause;
  }
  return undefined;
}

export function asUniqueViolation(error: unknown): UniqueViolation | undefined {
  const driverError = findDriverError(error, '23505');
  if (!driverError) return undefined;
  const constraint = typeof driverError.constraint_name === 'string' ? driverError.constraint_name
    : typeof driverError.constraint === 'string' ? driverError.constraint : undefined;
  const match = typeof driverError.detail === 'string' ? /^Key \(([^)]*)\)=/.exec(driverError.detail) : null;
  const columns = match?.[1] ? match[1].split(',').map((column) => column.trim().replaceAll('"', '')) : [];
  return { constraint, columns };
}

const snakeToCamel = (name: string) => name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());

/**
 * The field a user should change: of the key's columns, the one that is not a tenant scope
 * (`org_id`, `project_id`), since "name must be unique within the project" is about `name`.
 */
export function conflictingField(violation: UniqueViolation): string {
  const own = violation.columns.filter((column) => !/^(org|project)_id$/.test(column));
  const column = own.at(-1) ?? violation.columns.at(-1);
  return column ? snakeToCamel(column) : 'unknown';
}
