import { useState } from 'react';
import type { Account } from '../../common/api-types.ts';
import type { PosternBridge, ResourceEntry } from '../../common/bridge.ts';
import { messageOf } from '../logic/error-message.ts';
import { useTerminalTabs } from '../terminal/use-terminal-tabs.ts';

/**
 * Connect from the resource list: opens an SSH terminal or a Kubernetes tab for an account,
 * shows which account is connecting and why a connect failed, and owns the open tabs (which
 * outlive any one screen). onConnected runs once the new tab is open.
 */
export function useConnect(bridge: PosternBridge, projectId: string | undefined, onConnected: () => void) {
  const terminals = useTerminalTabs(bridge);
  const [connecting, setConnecting] = useState<string>();
  const [connectError, setConnectError] = useState<string>();

  const connect = async (entry: ResourceEntry, account: Account) => {
    if (!projectId) return;
    setConnecting(account.id);
    setConnectError(undefined);
    try {
      await terminals.connect({ kind: entry.resource.type, projectId, resource: entry.resource.name, account: account.name });
      onConnected();
    } catch (error) {
      setConnectError(`Could not connect to ${entry.resource.name} as ${account.name}: ${messageOf(error)}`);
    } finally {
      setConnecting(undefined);
    }
  };

  return { terminals, connecting, connectError, connect };
}
