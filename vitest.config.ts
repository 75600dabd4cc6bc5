import { defineConfig } from 'vitest/config';

// The server suite runs once per database backend. PGlite always; PostgreSQL when
// POSTERN_TEST_DATABASE_URL names a server where the tests may create databases (CI sets it).
const postgresUrl = process.env.POSTERN_TEST_DATABASE_URL;

const serverProject = (backend: 'pglite' | 'postgres') => ({
  extends: true as const,
  test: {
    name: `server:${backend}`,
    include: ['server/src/**/*.test.ts'],
    env: { POSTERN_TEST_DB: backend },
  },
});

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 10_000,
    projects: [
      { extends: true, test: { name: 'shared', include: ['shared/src/**/*.test.ts'] } },
      serverProject('pglite'),
      ...(postgresUrl ? [serverProject('postgres')] : []),
      { extends: true, test: { name: 'relay', include: ['relay/src/**/*.test.ts'] } },
      { extends: true, test: { name: 'gateway', include: ['gateway/src/**/*.test.ts'] } },
      { extends: true, test: { name: 'desktop', include: ['desktop/src/**/*.test.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['test/**/*.test.ts'] } },
      { extends: true, test: { name: 'bench', include: ['bench/**/*.test.ts'] } },
    ],
  },
});
