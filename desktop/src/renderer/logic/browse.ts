import type { ResourceEntry } from '../../common/bridge.ts';
import type { ResourceType } from '@postern/shared/schemas/resources';

export type TypeFilter = 'all' | ResourceType;

/** The browser's filter: type, then a case-insensitive search over name, target, gateway and account names. */
export function filterEntries(entries: ResourceEntry[], search: string, type: TypeFilter): ResourceEntry[] {
  const needle = search.trim().toLowerCase();
  return entries.filter((entry) => {
    if (type !== 'all' && entry.resource.type !== type) return false;
    if (!needle) return true;
    const haystack = [entry.resource.name, targetOf(entry), entry.gateway?.name ?? '', ...entry.accounts.map((a) => a.name)].join('\n').toLowerCase();
    return haystack.includes(needle);
  });
}

export function targetOf({ resource }: ResourceEntry): string {
  return resource.type === 'ssh' ? `${resource.host}:${resource.port}` : resource.url;
}

export function countByType(entries: ResourceEntry[]): Record<TypeFilter, number> {
  return {
    all: entries.length,
    ssh: entries.filter((e) => e.resource.type === 'ssh').length,
    kubernetes: entries.filter((e) => e.resource.type === 'kubernetes').length,
  };
}

/** Org owners and admins, and project admins, may edit resources (the API enforces it too). */
export function canEdit(orgRole: string | undefined, projectRole: string | undefined): boolean {
  return orgRole === 'owner' || orgRole === 'admin' || projectRole === 'admin';
}
