/**
 * IPC channel names, prefixed by the side that receives them (as Teleport does). Alone in this
 * file so the preload bundles nothing else.
 */
export const IPC_CHANNELS = { call: 'main:bridge-call', event: 'renderer:bridge-event' } as const;
