// Runs in the sandboxed renderer before the page: exposes exactly the typed service bridge, nothing of Node or
// Electron. Built to electron/dist/preload.cjs (sandboxed preloads must be one CommonJS file).
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { JobEvent } from '../src/api/service.ts';

/** ipcRenderer.invoke wraps errors as "Error invoking remote method 'x': Error: message"; keep the message. */
function cleanError(error: unknown): Error {
  const text = error instanceof Error ? error.message : String(error);
  return new Error(text.replace(/^Error invoking remote method '[^']+': (\w*Error: )?/, ''));
}

contextBridge.exposeInMainWorld('segwork', {
  /** Resolves with main's reply ({ result } or { error } with its kind, a plain object the bridge copies whole). */
  invoke(method: string, args: unknown[]): Promise<unknown> {
    return ipcRenderer.invoke('segwork:call', method, args).catch((e: unknown) => {
      throw cleanError(e);
    });
  },
  onJobEvent(listener: (event: JobEvent) => void): () => void {
    const handler = (_event: IpcRendererEvent, payload: JobEvent) => listener(payload);
    ipcRenderer.on('segwork:job', handler);
    return () => ipcRenderer.removeListener('segwork:job', handler);
  },
});
