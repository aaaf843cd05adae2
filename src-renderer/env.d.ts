/// <reference types="vite/client" />
import type { PreloadBridge } from '@contract';

declare global {
  interface Window {
    /** Present in the desktop shell only (exposed by the sandboxed preload). */
    workstation?: PreloadBridge;
  }
}
