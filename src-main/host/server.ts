import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { createDispatcher } from '../core/rpc/dispatch';
import type { Workstation } from '../core/workstation';
import { contentSecurityPolicy } from '../shell/security';

export interface HostOptions {
  workstation: Workstation;
  appRoot: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Defaults to a fresh random token per session. */
  token?: string;
  rendererDir?: string;
}

export interface RunningHost {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;
const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

function sameToken(given: string | undefined | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookie(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return null;
}

/**
 * The browser host: the same core as the desktop shell, over HTTP + WebSocket, bound to 127.0.0.1 only.
 * Every request needs the session token: `?token=` on the first page load (which also sets a same-site
 * cookie for the page's own assets), `Authorization: Bearer` on API calls, `?token=` on the event socket.
 */
export async function startHost(options: HostOptions): Promise<RunningHost> {
  const token = options.token ?? randomBytes(32).toString('base64url');
  const rendererDir = options.rendererDir ?? join(options.appRoot, 'out', 'renderer');
  const dispatch = createDispatcher(options.workstation.api);
  let origin = '';
  const cookieName = () => `lw_session_${new URL(origin).port}`;

  const securityHeaders = (res: ServerResponse) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('X-Frame-Options', 'DENY');
  };
  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer) => {
    res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
    res.end(body);
  };
  const sendJson = (res: ServerResponse, status: number, value: unknown) => send(res, status, 'application/json', JSON.stringify(value));

  /** Rejects DNS-rebinding: the Host header must name the loopback address we listen on. */
  const hostAllowed = (req: IncomingMessage) => {
    const { port } = new URL(origin);
    return req.headers.host === `127.0.0.1:${port}` || req.headers.host === `localhost:${port}`;
  };

  const server = createServer((req, res) => {
    securityHeaders(res);
    if (!hostAllowed(req)) return send(res, 421, 'text/plain', 'wrong host');
    const url = new URL(req.url ?? '/', origin);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const queryToken = url.searchParams.get('token');
    const cookieToken = cookie(req, cookieName());

    if (url.pathname.startsWith('/rpc/')) {
      // API calls must carry the header: a cookie alone would let another site's form post here.
      if (!sameToken(bearer, token)) return sendJson(res, 401, { ok: false, error: { code: 'unauthorized', message: 'missing or wrong session token' } });
      if (req.method !== 'POST') return sendJson(res, 405, { ok: false, error: { code: 'not-found', message: 'POST only' } });
      const [, , service, method] = url.pathname.split('/');
      return void readJsonBody(req)
        .then(async (body) => {
          const args = body && typeof body === 'object' && 'args' in body ? (body as { args: unknown }).args : undefined;
          const result = await dispatch(service, method, args);
          sendJson(res, 200, result);
        })
        .catch((err: Error) => sendJson(res, 400, { ok: false, error: { code: 'invalid-arguments', message: err.message } }));
    }

    const authorised = sameToken(bearer, token) || sameToken(queryToken, token) || sameToken(cookieToken, token);
    if (!authorised) return send(res, 401, 'text/plain; charset=utf-8', 'Lesion Workstation: open the URL with its ?token= printed at start.');
    if (sameToken(queryToken, token)) {
      res.setHeader('Set-Cookie', `${cookieName()}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`);
    }

    if (url.pathname.startsWith('/resources/')) {
      if (req.method !== 'GET') return send(res, 405, 'text/plain', 'GET only');
      return void options.workstation.resources
        .get(decodeURIComponent(url.pathname.slice('/resources/'.length)))
        .then((r) => send(res, r.status, r.contentType, r.body))
        .catch((err: Error) => send(res, 500, 'text/plain; charset=utf-8', err.message));
    }
    serveStatic(req, res, url.pathname);
  });

  const serveStatic = (req: IncomingMessage, res: ServerResponse, pathname: string) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'GET only');
    const relative = pathname === '/' ? 'index.html' : decodeURIComponent(pathname.slice(1));
    const file = normalize(join(rendererDir, relative));
    if (!file.startsWith(rendererDir + sep)) return send(res, 403, 'text/plain', 'forbidden');
    if (!existsSync(file) || !statSync(file).isFile()) {
      if (relative === 'index.html') return send(res, 503, 'text/plain; charset=utf-8', `The renderer is not built (${rendererDir}): run npm run build.`);
      return send(res, 404, 'text/plain', 'not found');
    }
    const type = MIME[extname(file)] ?? 'application/octet-stream';
    const headers: Record<string, string> = { 'Content-Type': type, 'Cache-Control': 'no-cache' };
    if (type.startsWith('text/html')) headers['Content-Security-Policy'] = contentSecurityPolicy({ connect: [`ws://${new URL(origin).host}`] });
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  };

  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', origin);
    const fromOurPage = req.headers.origin === origin || req.headers.origin === origin.replace('127.0.0.1', 'localhost');
    if (url.pathname !== '/events' || !hostAllowed(req) || !fromOurPage || !sameToken(url.searchParams.get('token'), token)) {
      socket.write('HTTP/1.1 401 Unauthorized\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', () => undefined); // events flow one way
    });
  });
  const unsubscribe = options.workstation.events.on((event, payload) => {
    const message = JSON.stringify({ event, payload });
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(message);
  });

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/?token=${token}`,
    port,
    token,
    async close() {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function readJsonBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolveBody, rejectBody) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        rejectBody(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!size) return resolveBody(undefined);
      try {
        resolveBody(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        rejectBody(new Error('request body is not JSON'));
      }
    });
    req.on('error', rejectBody);
  });
}
