import type { Command } from 'commander';
import type { ResourceEntry } from '../../common/bridge.ts';
import { loadResourceEntries } from '../../core/bridge-handlers.ts';
import { pamApi } from '../../core/pam-api.ts';
import { print, type CliContext } from '../context.ts';
import { formatTable } from '../table.ts';
import { registerKubernetesCommands } from './kubernetes.ts';
import { registerSessionsCommands } from './sessions.ts';
import { registerSshCommands } from './ssh.ts';

/**
 * `postern pam ...`. Each area registers its own subcommand group on the `pam` command returned
 * here (`resources` now; `ssh`, `kubernetes` and `sessions` come from their own modules).
 */
export function registerPamCommands(program: Command, context: CliContext): Command {
  const pam = program.command('pam').description('Privileged access: resources, accounts and sessions');
  registerResourceCommands(pam, context);
  registerSshCommands(pam, context);
  registerKubernetesCommands(pam, context);
  registerSessionsCommands(pam, context);
  return pam;
}

function registerResourceCommands(pam: Command, context: CliContext): void {
  const resources = pam.command('resources').description('SSH servers and Kubernetes clusters you can reach');
  resources
    .command('list')
    .description("List a project's resources with their gateway and accounts")
    .requiredOption('--project-id <id>', 'the project (see: postern whoami)')
    .option('--type <type>', 'only "ssh" or "kubernetes" resources')
    .option('--search <text>', 'only names containing this text')
    .option('--json', 'print JSON instead of a table')
    .action(async (options: { projectId: string; type?: string; search?: string; json?: boolean }) => {
      if (options.type !== undefined && options.type !== 'ssh' && options.type !== 'kubernetes') {
        throw new Error(`--type must be "ssh" or "kubernetes", not "${options.type}".`);
      }
      const api = await context.session.api();
      const project = await pamApi.getProject(api, options.projectId);
      const entries = await loadResourceEntries(api, project.orgId, { projectId: project.id, type: options.type, search: options.search });
      if (options.json) return print(context, JSON.stringify(entries, null, 2));
      if (entries.length === 0) return print(context, `No resources in project "${project.name}"${options.search || options.type ? ' match' : ''}.`);
      print(context, formatTable(['NAME', 'TYPE', 'TARGET', 'GATEWAY', 'ACCOUNTS', 'ID'], entries.map(resourceRow)));
    });
}

export function resourceRow({ resource, gateway, accounts }: ResourceEntry): string[] {
  const target = resource.type === 'ssh' ? `${resource.host}:${resource.port}` : resource.url;
  return [resource.name, resource.type, target, gateway?.name ?? resource.gatewayId, accounts.map((a) => a.name).join(', ') || '-', resource.id];
}
