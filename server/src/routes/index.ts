import type { App } from '../http/openapi.ts';
import * as health from './system/health.ts';

/** Every route module; each exports `register(app)`. Add one line per new route file. */
const ROUTE_MODULES: ReadonlyArray<{ register(app: App): void }> = [
  health,
];

export function registerRoutes(app: App): void {
  for (const module of ROUTE_MODULES) module.register(app);
}
