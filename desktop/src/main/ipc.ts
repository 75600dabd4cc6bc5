import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { PosternError } from '@postern/shared/errors';
import { dispatchBridgeCall, replyFromError } from '../common/bridge-dispatch.ts';
import { IPC_CHANNELS, type BridgeEvent, type BridgeEvents, type BridgeHandlers, type BridgeReply } from '../common/bridge.ts';
import { isAppFrame } from './security.ts';

/**
 * The only place that touches ipcMain: one channel for every bridge call. The sender's frame is
 * checked first (only the app's own top-level page), then dispatchBridgeCall validates the method
 * and its argument with zod before any handler runs.
 */
export function serveBridge(handlers: BridgeHandlers, appUrl: string): () => void {
  const onCall = async (event: IpcMainInvokeEvent, method: unknown, arg: unknown): Promise<BridgeReply<unknown>> => {
    const frame = event.senderFrame;
    if (!frame || frame.parent !== null || !isAppFrame(frame.url, appUrl)) {
      return replyFromError(new PosternError('forbidden_sender', 403, 'Only the Postern app page may call the app.'));
    }
    return dispatchBridgeCall(handlers, method, arg);
  };
  ipcMain.handle(IPC_CHANNELS.call, onCall);
  return () => ipcMain.removeHandler(IPC_CHANNELS.call);
}

export function sendBridgeEvent<E extends BridgeEvent>(contents: WebContents, event: E, payload: BridgeEvents[E]): void {
  if (!contents.isDestroyed()) contents.send(IPC_CHANNELS.event, event, payload);
}
