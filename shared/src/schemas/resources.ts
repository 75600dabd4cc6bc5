import { z } from 'zod';
import { zDescription, zId, zName } from './names.ts';

const HOSTNAME = /^(?=.{1,253}$)(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export const zHost = z
  .string()
  .trim()
  .min(1, 'Give the host name or IP address the gateway connects to.')
  .refine((h) => HOSTNAME.test(h) || IPV4.test(h) || z.ipv6().safeParse(h.replace(/^\[|\]$/g, '')).success, 'Use a host name (db-1.internal), an IPv4 address or an IPv6 address.')
  .meta({ description: 'Host name or IP address as the gateway resolves it.', example: 'db-1.internal' });

export const zPort = z
  .number({ error: 'The port must be a whole number from 1 to 65535.' })
  .int('The port must be a whole number from 1 to 65535.')
  .min(1, 'The port must be a whole number from 1 to 65535.')
  .max(65535, 'The port must be a whole number from 1 to 65535.');

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

export const zKubernetesTls = z
  .discriminatedUnion('verify', [
    z.object({
      verify: z.literal(true),
      caCertificate: z
        .string()
        .max(65536, 'The CA bundle is at most 64 KiB.')
        .regex(PEM_CERT, 'Paste the API server CA as PEM (-----BEGIN CERTIFICATE-----).')
        .optional()
        .meta({ description: "PEM CA bundle for the API server's certificate; omit to use the gateway's system trust store." }),
    }),
    z.object({ verify: z.literal(false) }),
  ])
  .meta({ description: 'How the gateway verifies the API server. verify=false is insecure and shown as a warning.' });

export const zApiServerUrl = z
  .url({ protocol: /^https$/, error: 'Use the https:// URL of the Kubernetes API server.' })
  .max(2048)
  .meta({ example: 'https://10.0.0.1:6443' });

// Defaults belong to creation only: an update that leaves a field out must leave it unchanged.
const sshFields = { name: zName, description: zDescription.optional(), gatewayId: zId, host: zHost, port: zPort };
const kubernetesFields = { name: zName, description: zDescription.optional(), gatewayId: zId, url: zApiServerUrl, tls: zKubernetesTls };

export const zCreateSshResource = z
  .object({ projectId: zId, ...sshFields, port: zPort.default(22) })
  .strict()
  .meta({ id: 'CreateSshResource' });

export const zUpdateSshResource = z.object(sshFields).partial().strict().meta({ id: 'UpdateSshResource' });

export const zCreateKubernetesResource = z
  .object({ projectId: zId, ...kubernetesFields, tls: zKubernetesTls.default({ verify: true }) })
  .strict()
  .meta({ id: 'CreateKubernetesResource' });

export const zUpdateKubernetesResource = z.object(kubernetesFields).partial().strict().meta({ id: 'UpdateKubernetesResource' });

export const zResourceType = z.enum(['ssh', 'kubernetes']);

const resourceBase = {
  id: zId,
  orgId: zId,
  projectId: zId,
  name: z.string(),
  description: z.string(),
  gatewayId: zId,
  createdAt: z.string(),
  updatedAt: z.string(),
};

export const zSshResource = z
  .object({ ...resourceBase, type: z.literal('ssh'), host: z.string(), port: z.number().int() })
  .meta({ id: 'SshResource' });

export const zKubernetesResource = z
  .object({
    ...resourceBase,
    type: z.literal('kubernetes'),
    url: z.string(),
    tls: z.object({ verify: z.boolean(), caCertificate: z.string().optional() }),
    warnings: z.array(z.string()).meta({ description: 'Security warnings about this resource, such as disabled TLS verification.' }),
  })
  .meta({ id: 'KubernetesResource' });

export const zResource = z.discriminatedUnion('type', [zSshResource, zKubernetesResource]).meta({ id: 'Resource' });

export type CreateSshResource = z.infer<typeof zCreateSshResource>;
export type UpdateSshResource = z.infer<typeof zUpdateSshResource>;
export type CreateKubernetesResource = z.infer<typeof zCreateKubernetesResource>;
export type UpdateKubernetesResource = z.infer<typeof zUpdateKubernetesResource>;
export type SshResource = z.infer<typeof zSshResource>;
export type KubernetesResource = z.infer<typeof zKubernetesResource>;
export type Resource = z.infer<typeof zResource>;
export type ResourceType = z.infer<typeof zResourceType>;
