import {
  zCreateSshResource, zSshResource, zUpdateSshResource, type CreateSshResource, type UpdateSshResource,
} from '@postern/shared/schemas/resources';
import type { App } from '../../http/openapi.ts';
import { registerTypedResourceRoutes } from './typed-resource-routes.ts';

export function register(app: App): void {
  registerTypedResourceRoutes(app, {
    type: 'ssh',
    label: 'an SSH server resource',
    createSchema: zCreateSshResource,
    updateSchema: zUpdateSshResource,
    responseSchema: zSshResource,
    split: (body: CreateSshResource | UpdateSshResource) => {
      const { name, description, gatewayId, host, port } = body;
      return { common: { name, description, gatewayId }, fields: { type: 'ssh', host, port } };
    },
  });
}
