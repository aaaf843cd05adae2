import { ESLint } from 'eslint';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/data';

const eslint = new ESLint({ cwd: repoRoot });

async function restrictedImports(relativePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(repoRoot, relativePath) });
  return result!.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
}

describe('layer rules (eslint.config.mjs)', () => {
  it('core never imports electron or its shells', async () => {
    expect(await restrictedImports('src-main/core/library/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(1);
    expect(await restrictedImports('src-main/core/x.ts', "import { startHost } from '../host/server';\nexport const a = startHost;\n")).toHaveLength(1);
    expect(await restrictedImports('src-main/core/x.ts', "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n")).toHaveLength(0);
  });

  it('the renderer imports contract types only, and nothing from the main process', async () => {
    const file = 'src-renderer/features/x/y.ts';
    expect(await restrictedImports(file, "import type { JobInfo } from '@contract';\nexport type A = JobInfo;\n")).toHaveLength(0);
    expect(await restrictedImports(file, "import { JobInfo } from '@contract';\nexport const a = JobInfo;\n")).toHaveLength(1);
    expect(await restrictedImports(file, "import { openCatalogue } from '../../../src-main/core/catalogue/catalogue';\nexport const a = openCatalogue;\n")).toHaveLength(1);
    expect(await restrictedImports(file, "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;\n")).toHaveLength(1);
  });

  it('the contract imports nothing at runtime', async () => {
    expect(await restrictedImports('src-main/contract/x.ts', "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n")).toHaveLength(1);
  });

  it('the browser host and the CLI run without electron', async () => {
    expect(await restrictedImports('src-main/host/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(1);
  });
});
