import { contextBridge, ipcRenderer } from 'electron';
import type { PreloadBridge } from '../contract';

// The only thing a window gets from the main process: one invoke channel and one event channel.
// Service and method names are checked again in the main process against the contract's schemas.
const bridge: PreloadBridge = {
  invoke: (service, method, args) => ipcRenderer.invoke('workstation:rpc', String(service), String(method), args),
  on(listener) {
    const handler = (_event: Electron.IpcRendererEvent, name: string, payload: unknown) => listener(name, payload);
    ipcRenderer.on('workstation:event', handler);
    return () => ipcRenderer.removeListener('workstation:event', handler);
  },
};

contextBridge.exposeInMainWorld('workstation', bridge);
