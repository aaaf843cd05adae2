import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createWorkstation, type Workstation } from '../../src-main/core/workstation';
import { startHost, type RunningHost } from '../../src-main/host/server';
import { repoRoot, sampleLibrary, tempDir } from '../helpers/data';

let ws: Workstation;
let host: RunningHost;
let cleanup: () => void;
let rendererDir: string;

beforeAll(async () => {
  const tmp = tempDir();
  cleanup = tmp.cleanup;
  rendererDir = join(tmp.dir, 'renderer');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
  ws = createWorkstation({ catalogPath: join(tmp.dir, 'c.sqlite'), appRoot: repoRoot, workers: 1 });
  host = await startHost({ workstation: ws, appRoot: repoRoot, rendererDir });
});

afterAll(async () => {
  await host.close();
  await ws.close();
  cleanup();
});

function raw(path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: host.port, path, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const rpc = (service: string, method: string, args: unknown[], token: string | null = host.token) =>
  raw(`/rpc/${service}/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ args }),
  });

describe('browser host', () => {
  it('listens on 127.0.0.1 only, on a random port, with a long random token', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{40,}$/);
    expect(host.port).toBeGreaterThan(0);
  });

  it('refuses API calls without the token, or with the token only in a cookie', async () => {
    expect((await rpc('catalogue', 'stats', [], null)).status).toBe(401);
    expect((await rpc('catalogue', 'stats', [], 'wrong')).status).toBe(401);
    const cookieOnly = await raw('/rpc/catalogue/stats', {
      method: 'POST',
      headers: { Cookie: `lw_session_${host.port}=${host.token}` },
      body: '{"args":[]}',
    });
    expect(cookieOnly.status).toBe(401);
  });

  it('answers API calls with the token', async () => {
    const res = await rpc('catalogue', 'stats', []);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ ok: true, value: { patients: 0 } });
  });

  it('refuses pages and resources without the token', async () => {
    expect((await raw('/')).status).toBe(401);
    expect((await raw('/resources/slice/1/0')).status).toBe(401);
  });

  it('serves the page with the token, a strict CSP and a same-site session cookie', async () => {
    const res = await raw(`/?token=${host.token}`);
    expect(res.status).toBe(200);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect(String(res.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const res = await raw(`/?token=${host.token}`, { headers: { Host: `evil.example:${host.port}` } });
    expect(res.status).toBe(421);
  });

  it('does not serve files outside the renderer folder', async () => {
    const res = await raw(`/..%2f..%2fpackage.json?token=${host.token}`);
    expect([403, 404]).toContain(res.status);
    expect(res.body).not.toContain('lesion-workstation');
  });

  it('refuses event sockets without the token or from another origin', async () => {
    const attempt = (url: string, origin: string) =>
      new Promise<string>((resolve) => {
        const socket = new WebSocket(url, { origin });
        socket.on('open', () => {
          socket.close();
          resolve('open');
        });
        socket.on('error', () => resolve('refused'));
      });
    const base = `ws://127.0.0.1:${host.port}/events`;
    const origin = `http://127.0.0.1:${host.port}`;
    expect(await attempt(base, origin)).toBe('refused');
    expect(await attempt(`${base}?token=${host.token}`, 'http://evil.example')).toBe('refused');
    expect(await attempt(`${base}?token=${host.token}`, origin)).toBe('open');
  });

  it('pushes job progress over the event socket and serves slice pixels', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${host.port}/events?token=${host.token}`, { origin: `http://127.0.0.1:${host.port}` });
    const finished = new Promise<{ state: string }>((resolve) => {
      socket.on('message', (data) => {
        const { event, payload } = JSON.parse(String(data)) as { event: string; payload: { state: string } };
        if (event === 'job.updated' && payload.state !== 'running') resolve(payload);
      });
    });
    await new Promise((r) => socket.on('open', r));
    const started = JSON.parse((await rpc('library', 'startImport', [{ paths: [sampleLibrary] }])).body);
    expect(started).toMatchObject({ ok: true, value: { kind: 'import', state: 'running' } });
    expect((await finished).state).toBe('done');
    socket.close();

    const pixels = await new Promise<Buffer>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: host.port, path: '/resources/slice/1/0', headers: { Authorization: `Bearer ${host.token}` } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`HTTP ${res.statusCode}`))));
      });
      req.end();
    });
    expect(pixels.subarray(0, 4).toString('ascii')).toBe('LWPX');
    const header = JSON.parse(pixels.subarray(8, 8 + pixels.readUInt32LE(4)).toString('utf8'));
    expect(header).toMatchObject({ rows: 512, columns: 512, pixelType: 'uint16', rescaleIntercept: -1024 });
  });
});
