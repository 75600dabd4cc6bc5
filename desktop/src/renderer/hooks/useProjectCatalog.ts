import { useCallback, useEffect, useState } from 'react';
import type { Gateway, Project } from '../../common/api-types.ts';
import type { PosternBridge, ResourceEntry } from '../../common/bridge.ts';
import { messageOf } from '../logic/error-message.ts';

/**
 * What the workspace shows for the chosen organisation: its projects (keeping the chosen one
 * while it still exists), its gateways, and the chosen project's resources with their accounts.
 * `entries` is undefined while the project's resources load.
 */
export function useProjectCatalog(bridge: PosternBridge, initialOrgId: string) {
  const [orgId, setOrgId] = useState(initialOrgId);
  const [projects, setProjects] = useState<Project[]>([]);
  const [projectId, setProjectId] = useState<string>();
  const [gateways, setGateways] = useState<Gateway[]>([]);
  const [entries, setEntries] = useState<ResourceEntry[]>();
  const [loadError, setLoadError] = useState<string>();

  useEffect(() => {
    if (!orgId) return;
    bridge.call('catalog.projects', { orgId }).then((list) => {
      setProjects(list);
      setProjectId((current) => (list.some((p) => p.id === current) ? current : list[0]?.id));
    }, (error: unknown) => setLoadError(messageOf(error)));
    bridge.call('catalog.gateways', { orgId }).then(setGateways, () => setGateways([]));
  }, [bridge, orgId]);

  const reload = useCallback(async () => {
    if (!projectId) return;
    try {
      setEntries(await bridge.call('catalog.resources', { orgId, projectId }));
      setLoadError(undefined);
    } catch (error) {
      setLoadError(messageOf(error));
    }
  }, [bridge, orgId, projectId]);

  useEffect(() => {
    setEntries(undefined);
    void reload();
  }, [reload]);

  const project = projects.find((p) => p.id === projectId);
  return { orgId, setOrgId, projects, projectId, setProjectId, project, gateways, entries, loadError, reload };
}
