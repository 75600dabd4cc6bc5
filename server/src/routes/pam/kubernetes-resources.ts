import {
  zCreateKubernetesResource, zKubernetesResource, zUpdateKubernetesResource, type CreateKubernetesResource, type UpdateKubernetesResource,
} from '@postern/shared/schemas/resources';
import type { App } from '../../http/openapi.ts';
import { registerTypedResourceRoutes } from './typed-resource-routes.ts';

export function register(app: App): void {
  registerTypedResourceRoutes(app, {
    type: 'kubernetes',
    label: 'a Kubernetes cluster resource',
    createSchema: zCreateKubernetesResource,
    updateSchema: zUpdateKubernetesResource,
    responseSchema: zKubernetesResource,
    split: (body: CreateKubernetesResource | UpdateKubernetesResource) => {
      const { name, description, gatewayId, url, tls } = body;
      return { common: { name, description, gatewayId }, fields: { type: 'kubernetes', url, tls } };
    },
  });
}
