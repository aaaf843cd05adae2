import { describe, expect, it } from 'vitest';
import type { WorkstationApi } from '../../../../src-main/contract';
import { JobBusyError } from '../../../../src-main/core/jobs/job-queue';
import { createDispatcher } from '../../../../src-main/core/rpc/dispatch';

const calls: unknown[][] = [];
const api = {
  app: { info: async () => ({}), pickFolders: async () => [] },
  library: {
    startImport: async (request: unknown) => {
      calls.push([request]);
      throw new JobBusyError('An import job is already running');
    },
  },
  catalogue: {
    stats: async () => ({ patients: 1 }),
    libraryTree: async () => [],
    seriesDetail: async (id: number) => ({ id }),
    rejectedFiles: async () => ({ total: 0, items: [] }),
  },
  jobs: { list: async () => [], get: async () => null, cancel: async () => false },
} as unknown as WorkstationApi;

const dispatch = createDispatcher(api);

describe('createDispatcher', () => {
  it('calls a contract method with validated arguments', async () => {
    expect(await dispatch('catalogue', 'seriesDetail', [7])).toEqual({ ok: true, value: { id: 7 } });
    expect(await dispatch('catalogue', 'stats', [])).toEqual({ ok: true, value: { patients: 1 } });
  });

  it.each([
    ['catalogue', 'constructor'],
    ['catalogue', '__proto__'],
    ['catalogue', 'toString'],
    ['__proto__', 'stats'],
    ['shell', 'exec'],
    [42, 'stats'],
  ])('refuses %s.%s, which is not in the contract', async (service, method) => {
    const result = await dispatch(service, method, []);
    expect(result).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  it.each([
    ['seriesDetail', ['7']],
    ['seriesDetail', [-1]],
    ['seriesDetail', [1.5]],
    ['seriesDetail', []],
    ['seriesDetail', 'not an array'],
    ['rejectedFiles', [{ offset: 0, limit: 100000 }]],
    ['rejectedFiles', [{ offset: 0, limit: 10, extra: true }]],
  ])('refuses catalogue.%s(%j) with a message naming the problem', async (method, args) => {
    const result = await dispatch('catalogue', method, args);
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid-arguments' } });
    if (!result.ok) expect(result.error.message).toContain(`catalogue.${method}`);
  });

  it('refuses import paths with NUL bytes before the core sees them', async () => {
    calls.length = 0;
    const result = await dispatch('library', 'startImport', [{ paths: ['/data\0/etc/passwd'] }]);
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid-arguments' } });
    expect(calls).toEqual([]);
  });

  it('turns a refused second job into a "busy" error value', async () => {
    const result = await dispatch('library', 'startImport', [{ paths: ['/data'] }]);
    expect(result).toEqual({ ok: false, error: { code: 'busy', message: 'An import job is already running' } });
  });
});
