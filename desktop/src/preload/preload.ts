import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { BridgeEvent, BridgeEvents, BridgeReply, RawBridge } from '../common/bridge.ts';
import { IPC_CHANNELS } from '../common/ipc-channels.ts';

/**
 * Exposes the one bridge as `window.postern`. The renderer never gets ipcRenderer itself: only
 * `invoke` (one channel, validated in main) and `on` (one event channel, filtered by event
 * name), and every subscription returns its cleanup.
 */

const bridge: RawBridge = {
  invoke: (method, arg) => ipcRenderer.invoke(IPC_CHANNELS.call, method, arg) as Promise<BridgeReply<unknown>>,
  on<E extends BridgeEvent>(event: E, listener: (payload: BridgeEvents[E]) => void) {
    const onEvent = (_event: IpcRendererEvent, name: unknown, payload: unknown) => {
      if (name === event) listener(payload as BridgeEvents[E]);
    };
    ipcRenderer.on(IPC_CHANNELS.event, onEvent);
    return () => { ipcRenderer.off(IPC_CHANNELS.event, onEvent); };
  },
};

contextBridge.exposeInMainWorld('postern', bridge);
