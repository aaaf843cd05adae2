import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppInfo, WorkstationApi } from '../contract';
import { openCatalogue, type Catalogue } from './catalogue/catalogue';
import { EventBus } from './events';
import { JobQueue } from './jobs/job-queue';
import { importLibrary } from './library/library-import';
import type { HeaderTask, HeaderTaskResult } from './library/read-header-file';
import { catalogueService } from './services/catalogue-service';
import { lesionsService } from './services/lesions-service';
import { clusteringService } from './services/clustering-service';
import { reviewService } from './services/review-service';
import { exportService } from './services/export-service';
import { miningService, modelsService } from './services/mining-service';
import { modelRegistry, type ModelRegistry } from './inference/model-registry';
import { cacheDirFor, userDataDir } from './paths';
import { lesionImages, type LesionImages } from './imaging/lesion-images';
import { PixelSourceCache } from './imaging/pixel-sources';
import { resourceService, type ResourceService } from './services/resource-service';
import { WorkerPool } from './workers/pool';

export interface WorkstationConfig {
  catalogPath: string;
  /** The repository root (where package.json, resources/ and models/ live). */
  appRoot: string;
  /** Native folder picker, present in the desktop shell only. */
  pickFolders?: () => Promise<string[]>;
  /** Header-parsing worker threads (default: cores - 1, at most 4). */
  workers?: number;
  /** Where users' own models are kept (default: <user data>/models). */
  userModelsDir?: string;
}

export interface Workstation {
  readonly api: WorkstationApi;
  readonly events: EventBus;
  readonly resources: ResourceService;
  readonly lesionImages: LesionImages;
  readonly jobs: JobQueue;
  readonly catalogue: Catalogue;
  readonly models: ModelRegistry;
  close(): Promise<void>;
}

export function appRootFrom(dir: string): string {
  // src-main/core -> repo root in source; out/main -> repo root in the build
  return join(dir, '..', '..');
}

export function sampleLibraryPath(appRoot: string): string {
  return join(appRoot, 'resources', 'sample-library');
}

/**
 * What an empty catalogue starts with: the sample chest CT, and the DeepLesion validation table with 23 of its
 * key slices (lesions with reference types, so that mining, review and export have something to work on).
 */
export function sampleLibraryPaths(appRoot: string): string[] {
  return [sampleLibraryPath(appRoot), join(appRoot, 'resources', 'sample-deeplesion')].filter((p) => existsSync(p));
}

/** Starts importing the bundled samples when the catalogue has no image yet; returns what it imports (else nothing). */
export async function importSamplesIfEmpty(ws: Workstation, appRoot: string): Promise<string[]> {
  const samples = sampleLibraryPaths(appRoot);
  if (!samples.length || (await ws.api.catalogue.stats()).instances > 0) return [];
  await ws.api.library.startImport({ paths: samples });
  return samples;
}


/** The composition root: builds every service from one config. Shell, host and CLI all start here. */
export function createWorkstation(config: WorkstationConfig): Workstation {
  const catalogue = openCatalogue(config.catalogPath);
  const events = new EventBus();
  const jobs = new JobQueue(events);
  const headerPool = new WorkerPool<HeaderTask, HeaderTaskResult>({
    name: 'dicom-header-worker',
    size: config.workers,
    taskTimeoutMs: 60_000,
    maxHeapMb: 1024,
  });
  const pixelSources = new PixelSourceCache();
  const images = lesionImages(catalogue, pixelSources, { cacheDir: cacheDirFor(config.catalogPath) });
  const resources = resourceService(catalogue, pixelSources, images);
  const cacheDir = cacheDirFor(config.catalogPath);
  const models = modelRegistry(catalogue, {
    bundled: join(config.appRoot, 'models'),
    user: config.userModelsDir ?? join(userDataDir(), 'models'),
    // heads trained by clustering runs belong to this catalogue
    catalogue: cacheDir ? join(cacheDir, 'models') : null,
  });
  const version = (JSON.parse(readFileSync(join(config.appRoot, 'package.json'), 'utf8')) as { version: string }).version;

  const api: WorkstationApi = {
    app: {
      async info(): Promise<AppInfo> {
        return {
          name: 'Lesion Workstation',
          version,
          catalogPath: config.catalogPath,
          canPickFolders: Boolean(config.pickFolders),
          sampleLibraryPath: sampleLibraryPath(config.appRoot),
        };
      },
      pickFolders: async () => (config.pickFolders ? config.pickFolders() : []),
    },
    library: {
      async startImport(request) {
        const label = request.paths.length === 1 ? `Import ${request.paths[0]}` : `Import ${request.paths.length} paths`;
        return jobs.start('import', label, (ctx) => importLibrary(catalogue, headerPool, events, request.paths, ctx));
      },
    },
    catalogue: catalogueService(catalogue),
    lesions: lesionsService(catalogue, events),
    models: modelsService(models),
    mining: miningService(catalogue, events, jobs, models),
    clustering: clusteringService(catalogue, events, jobs, models, { headModelsDir: cacheDir ? join(cacheDir, 'models') : null }),
    review: reviewService(catalogue, events),
    export: exportService(catalogue, jobs, {
      version,
      protectedPaths: [config.catalogPath, ...(cacheDir ? [cacheDir] : [])].filter((p) => p !== ':memory:'),
    }),
    jobs: {
      list: async () => jobs.list(),
      get: async (id) => jobs.get(id),
      cancel: async (id) => jobs.cancel(id),
    },
  };

  return {
    api,
    events,
    resources,
    lesionImages: images,
    jobs,
    catalogue,
    models,
    async close() {
      await jobs.cancelAll();
      await headerPool.close();
      catalogue.close();
    },
  };
}
