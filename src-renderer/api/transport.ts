import type { PreloadBridge, RpcResult } from '@contract';

/** How the renderer reaches the core: IPC through the preload, or HTTP + WebSocket to the browser host. */
export interface Transport {
  readonly kind: 'ipc' | 'http';
  call(service: string, method: string, args: unknown[]): Promise<RpcResult>;
  subscribe(listener: (event: string, payload: unknown) => void): () => void;
  fetchResource(path: string): Promise<Response>;
}

export function ipcTransport(bridge: PreloadBridge): Transport {
  return {
    kind: 'ipc',
    call: (service, method, args) => bridge.invoke(service, method, args),
    subscribe: (listener) => bridge.on(listener),
    fetchResource: (path) => fetch(`resources/${path}`),
  };
}

const TOKEN_KEY = 'lesion-ws-token';

/** The browser host's token arrives once in the page URL; keep it for this tab and take it out of the address bar. */
export function sessionToken(location: Location, storage: Storage, history: History): string | null {
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    storage.setItem(TOKEN_KEY, fromUrl);
    params.delete('token');
    const rest = params.toString();
    history.replaceState(null, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
    return fromUrl;
  }
  return storage.getItem(TOKEN_KEY);
}

export function httpTransport(token: string): Transport {
  const listeners = new Set<(event: string, payload: unknown) => void>();
  let socket: WebSocket | null = null;
  let retry = 500;
  const connect = () => {
    const ws = new WebSocket(`ws://${location.host}/events?token=${encodeURIComponent(token)}`);
    socket = ws;
    ws.onopen = () => {
      retry = 500;
      // events may have been missed while disconnected: tell views to refresh
      for (const l of listeners) l('catalogue.changed', { reason: 'reconnected' });
    };
    ws.onmessage = (message) => {
      const { event, payload } = JSON.parse(String(message.data)) as { event: string; payload: unknown };
      for (const l of listeners) l(event, payload);
    };
    ws.onclose = () => {
      socket = null;
      if (listeners.size) setTimeout(connect, (retry = Math.min(retry * 2, 10_000)));
    };
  };
  return {
    kind: 'http',
    async call(service, method, args) {
      const response = await fetch(`/rpc/${service}/${method}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ args }),
      });
      return (await response.json()) as RpcResult;
    },
    subscribe(listener) {
      listeners.add(listener);
      if (!socket) connect();
      return () => listeners.delete(listener);
    },
    fetchResource: (path) => fetch(`/resources/${path}`, { headers: { Authorization: `Bearer ${token}` } }),
  };
}
