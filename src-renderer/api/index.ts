import type { WorkstationApi, WorkstationEventName, WorkstationEvents, RpcErrorCode, ThumbnailWindow } from '@contract';
import { decodeSlicePixels, type SlicePixels } from './slice-pixels';
import { httpTransport, ipcTransport, sessionToken, type Transport } from './transport';

/** The only module that talks to the core. Components and stores use `api`, `onEvent` and `fetchSlice`. */

export class ApiError extends Error {
  constructor(
    readonly code: RpcErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function pickTransport(): Transport {
  if (window.workstation) return ipcTransport(window.workstation);
  const token = sessionToken(window.location, window.sessionStorage, window.history);
  if (!token) throw new ApiError('unauthorized', 'Open the workstation with the URL printed at start (it carries the session token).');
  return httpTransport(token);
}

let transport: Transport | null = null;
function current(): Transport {
  transport ??= pickTransport();
  return transport;
}

/** A typed client built from the contract: api.catalogue.stats() calls catalogue.stats on the core. */
export const api: WorkstationApi = new Proxy({} as WorkstationApi, {
  get(_target, service: string) {
    return new Proxy(
      {},
      {
        get(_t, method: string) {
          return async (...args: unknown[]) => {
            const result = await current().call(service, method, args);
            if (!result.ok) throw new ApiError(result.error.code, result.error.message);
            return result.value;
          };
        },
      },
    );
  },
});

export function onEvent<E extends WorkstationEventName>(name: E, handler: (payload: WorkstationEvents[E]) => void): () => void {
  return current().subscribe((event, payload) => {
    if (event === name) handler(payload as WorkstationEvents[E]);
  });
}

export function transportKind(): 'ipc' | 'http' {
  return current().kind;
}

export async function fetchSlice(instanceId: number, frame: number): Promise<SlicePixels> {
  const response = await current().fetchResource(`slice/${instanceId}/${frame}`);
  if (!response.ok) throw new ApiError('failed', (await response.text()) || `slice ${instanceId}/${frame}: HTTP ${response.status}`);
  return decodeSlicePixels(await response.arrayBuffer());
}

/**
 * URL of a lesion's review thumbnail (PNG), for <img>: same-origin in both transports. The box in the query
 * busts the browser cache when the measurement moves, and only then (category edits keep the cached image).
 */
export function thumbnailUrl(lesion: { id: number; box?: { x1: number; y1: number; x2: number; y2: number } }, window: ThumbnailWindow = 'soft-tissue'): string {
  const b = lesion.box;
  const buster = b ? `?b=${[b.x1, b.y1, b.x2, b.y2].map((v) => v.toFixed(1)).join('_')}` : '';
  return `resources/thumbnail/${lesion.id}${window === 'soft-tissue' ? '' : `/${window}`}${buster}`;
}

export type { SlicePixels };
