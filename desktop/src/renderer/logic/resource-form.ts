import type { Gateway, Resource } from '../../common/api-types.ts';
import type { ResourceType } from '@postern/shared/schemas/resources';

/**
 * The resource editor's form state (strings, as inputs hold them) and its conversion to the API's
 * request bodies. The conversion does not validate: the shared schemas do, in the editor and again
 * in main and on the server.
 */
export interface ResourceForm {
  type: ResourceType;
  name: string;
  description: string;
  gatewayId: string;
  host: string;
  port: string;
  url: string;
  verifyTls: boolean;
  caCertificate: string;
}

export function emptyResourceForm(type: ResourceType, gateways: Gateway[]): ResourceForm {
  return { type, name: '', description: '', gatewayId: gateways[0]?.id ?? '', host: '', port: '22', url: 'https://', verifyTls: true, caCertificate: '' };
}

export function formFromResource(resource: Resource): ResourceForm {
  const common = { name: resource.name, description: resource.description, gatewayId: resource.gatewayId };
  if (resource.type === 'ssh') {
    return { ...common, type: 'ssh', host: resource.host, port: String(resource.port), url: 'https://', verifyTls: true, caCertificate: '' };
  }
  return { ...common, type: 'kubernetes', host: '', port: '22', url: resource.url, verifyTls: resource.tls.verify, caCertificate: resource.tls.caCertificate ?? '' };
}

/** A port as typed: digits become a number, anything else stays text so the schema names the problem. */
export function parsePort(text: string): number | string {
  const trimmed = text.trim();
  return /^\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
}

export function resourceBody(form: ResourceForm): Record<string, unknown> {
  const common = { name: form.name, description: form.description, gatewayId: form.gatewayId };
  if (form.type === 'ssh') return { ...common, host: form.host, port: parsePort(form.port) };
  const tls = form.verifyTls
    ? { verify: true, ...(form.caCertificate.trim() ? { caCertificate: form.caCertificate.trim() } : {}) }
    : { verify: false };
  return { ...common, url: form.url.trim(), tls };
}

/** True when the form turns TLS verification off: the editor shows the warning the API also records. */
export function tlsWarning(form: ResourceForm): string | null {
  return form.type === 'kubernetes' && !form.verifyTls
    ? 'TLS verification is off: the gateway will not check the API server\'s certificate, so anyone on its network path could read or change this cluster\'s traffic. Turn it on and paste the cluster CA instead.'
    : null;
}

/** The API field path each form input reports errors under. */
export const RESOURCE_FIELD_PATHS: Record<keyof ResourceForm, string> = {
  type: 'type', name: 'name', description: 'description', gatewayId: 'gatewayId', host: 'host', port: 'port',
  url: 'url', verifyTls: 'tls.verify', caCertificate: 'tls.caCertificate',
};
