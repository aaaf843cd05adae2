import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { ModelInfo } from '../../contract';
import type { Catalogue } from '../catalogue/catalogue';
import type { ModelManifest } from './manifest';
import { loadModel, ModelMismatchError, readManifest } from './session';

export interface RegisteredModel {
  id: number;
  dir: string;
  manifest: ModelManifest;
  origin: string;
}

/** The bundled embedding model: the training-free scattering network built by models/scattering/build.ts. */
export const DEFAULT_EMBEDDING_MODEL = 'scattering-texture';

/**
 * Models by name: the bundled ones (models/<name>) and the user's (<user data>/models/<name>-<version>),
 * each registered in the catalogue with its version and file hash, so results say which model made them.
 */
export function modelRegistry(catalogue: Catalogue, folders: { bundled: string; user: string; catalogue?: string | null }) {
  function scan(root: string, origin: string): RegisteredModel[] {
    if (!existsSync(root)) return [];
    const found: RegisteredModel[] = [];
    for (const entry of readdirSync(root, { withFileTypes: true })) {
      const dir = join(root, entry.name);
      if (!entry.isDirectory() || !existsSync(join(dir, 'manifest.json'))) continue;
      let manifest: ModelManifest;
      try {
        manifest = readManifest(dir);
      } catch {
        continue; // listed by `check`, not fatal for the others
      }
      const id = catalogue.modelVersions.register({ name: manifest.name, version: manifest.version, task: manifest.task, sha256: manifest.sha256, path: dir, manifest, origin });
      found.push({ id, dir, manifest, origin });
    }
    return found;
  }

  function all(): RegisteredModel[] {
    const trained = folders.catalogue ? scan(folders.catalogue, 'catalogue') : [];
    return [...scan(folders.bundled, 'bundled'), ...scan(folders.user, 'user'), ...trained];
  }

  return {
    all,
    /** A model by name (its newest registration), or the default embedding model. */
    // a head's origin ('clustering run N') is kept from its first registration; scans report 'catalogue'
    resolve(name?: string): RegisteredModel {
      const wanted = name ?? DEFAULT_EMBEDDING_MODEL;
      const match = all().filter((m) => m.manifest.name === wanted);
      if (!match.length) throw new ModelMismatchError(`no model named "${wanted}" (known: ${all().map((m) => m.manifest.name).join(', ') || 'none'})`);
      return match.sort((a, b) => b.id - a.id)[0]!;
    },
    /** Checks a model folder (manifest, file hash, graph inputs and outputs) and adds it to the user's models. */
    async add(path: string): Promise<RegisteredModel> {
      const source = resolve(path);
      const manifest = readManifest(source);
      const loaded = await loadModel(source, { providers: ['cpu'], threads: 1 });
      await loaded.session.release();
      const target = join(folders.user, `${manifest.name}-${manifest.version}`);
      if (resolve(target) !== source) {
        mkdirSync(folders.user, { recursive: true });
        rmSync(target, { recursive: true, force: true });
        cpSync(source, target, { recursive: true });
      }
      const id = catalogue.modelVersions.register({ name: manifest.name, version: manifest.version, task: manifest.task, sha256: manifest.sha256, path: target, manifest, origin: 'user' });
      return { id, dir: target, manifest, origin: 'user' };
    },
    info(m: RegisteredModel): ModelInfo {
      const counts = catalogue.embeddings.count(m.id);
      const width = m.manifest.outputs[0]?.shape.at(-1);
      return {
        id: m.id,
        name: m.manifest.name,
        version: m.manifest.version,
        task: m.manifest.task,
        origin: m.origin,
        path: m.dir,
        sha256: m.manifest.sha256,
        description: m.manifest.description ?? null,
        inputShape: m.manifest.input.shape,
        outputWidth: typeof width === 'number' ? width : null,
        embedded: counts.n,
        embeddedWithPixels: counts.withPixels,
      };
    },
    folderName: (m: RegisteredModel) => basename(m.dir),
  };
}

export type ModelRegistry = ReturnType<typeof modelRegistry>;
