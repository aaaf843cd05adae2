import { z } from 'zod';
import type { MethodName, ServiceName, WorkstationApi } from '../../contract';

/** Every method's argument list, validated before the core sees it (IPC and HTTP input is untrusted). */
type ArgsOf<F> = F extends (...args: infer A) => unknown ? A : never;
type ApiSchemas = {
  [S in ServiceName]: { [M in MethodName<S>]: z.ZodType<ArgsOf<WorkstationApi[S][M]>> };
};

const none = z.tuple([]);
const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const jobId = z.string().min(1).max(64).regex(/^[0-9a-f-]+$/);
const filePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.includes('\0'), 'path contains a NUL byte');

const coordinate = z.number().finite().min(-100_000).max(100_000);
const point = z.object({ x: coordinate, y: coordinate }).strict();
const segment = z.tuple([point, point]);
const recist = z.object({ longAxis: segment, shortAxis: segment.nullable() }).strict();
const actor = z.string().trim().min(1).max(200);
const version = z.number().int().min(1);
const modelName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/);
const weight = z.number().finite().min(0).max(100);
const clusterNumber = z.number().int().min(0).max(10_000);
const lesionIds = z.array(id).min(1).max(100_000);
const categoryName = z.string().trim().min(1).max(100);
const colour = z.string().regex(/^#[0-9a-fA-F]{6}$/);
const shortcut = z.string().regex(/^[0-9a-z]$/).nullable();
const reviewState = z
  .object({ id, categoryId: id.nullable(), reviewStatus: z.enum(['unreviewed', 'reviewed']), flagged: z.boolean() })
  .strict();
const reviewFilter = z
  .object({
    runId: id.optional(),
    cluster: clusterNumber.optional(),
    categoryId: z.union([id, z.literal('none')]).optional(),
    source: z.enum(['deeplesion', 'dicom-sr', 'presentation-state', 'annotator', 'detection']).optional(),
    split: z.enum(['train', 'val', 'test']).optional(),
    minMm: z.number().min(0).optional(),
    maxMm: z.number().min(0).optional(),
    review: z.enum(['unreviewed', 'reviewed']).optional(),
    flagged: z.boolean().optional(),
    disagreement: z.boolean().optional(),
    hasImage: z.boolean().optional(),
    lesionIds: z.array(id).max(100_000).optional(),
  })
  .strict();
const featureGroup = z.enum(['texture', 'intensity', 'size', 'location', 'window']);
const metric = z.enum(['euclidean', 'cosine']);
const seed = z.number().int().min(0).max(2 ** 31 - 1);
const featureWeights = z.object({ texture: weight, intensity: weight, size: weight, location: weight, window: weight }).partial().strict();
const lesionSource = z.enum(['deeplesion', 'dicom-sr', 'presentation-state', 'annotator', 'detection']);
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/, 'a date as YYYY-MM-DD or an ISO time');
const exportSelection = z
  .object({
    categoryIds: z.array(id).max(10_000).optional(),
    categoryNames: z.array(categoryName).max(10_000).optional(),
    uncategorised: z.boolean().optional(),
    clusters: z.object({ runId: id.optional(), clusters: z.array(clusterNumber).min(1).max(10_000) }).strict().optional(),
    review: z.enum(['unreviewed', 'reviewed']).optional(),
    sources: z.array(lesionSource).min(1).max(5).optional(),
    splits: z.array(z.enum(['train', 'val', 'test', 'none'])).min(1).max(4).optional(),
    date: z.object({ field: z.enum(['created', 'updated', 'reviewed', 'study']), from: isoDate.optional(), to: isoDate.optional() }).strict().optional(),
    hasImage: z.boolean().optional(),
    lesionIds: z.array(id).max(1_000_000).optional(),
  })
  .strict();
const fraction = z.number().finite().min(0).max(1);
const splitSpec = z
  .object({ seed, fractions: z.object({ train: fraction, val: fraction, test: fraction }).strict().refine((f) => f.train + f.val + f.test > 0, 'fractions must not all be 0').optional() })
  .strict();
const exportRequest = z
  .object({
    format: z.enum(['deeplesion', 'coco', 'csv', 'dicom-sr']),
    out: filePath.refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\'), 'the export folder must be an absolute path'),
    selection: exportSelection.optional(),
    split: splitSpec.optional(),
    privacy: z.object({ mode: z.enum(['none', 'pseudonymise']), secret: z.string().min(1).max(1000).optional() }).strict().optional(),
    overwrite: z.boolean().optional(),
    actor: actor.optional(),
  })
  .strict();

export const apiSchemas = {
  app: { info: none, pickFolders: none },
  library: {
    startImport: z.tuple([z.object({ paths: z.array(filePath).min(1).max(10_000) }).strict()]),
  },
  catalogue: {
    stats: none,
    libraryTree: none,
    seriesDetail: z.tuple([id]),
    rejectedFiles: z.tuple([z.object({ offset: z.number().int().min(0), limit: z.number().int().min(1).max(1000) }).strict()]),
  },
  lesions: {
    list: z.tuple([
      z
        .object({
          seriesId: id.optional(),
          instanceId: id.optional(),
          source: z.enum(['deeplesion', 'dicom-sr', 'presentation-state', 'annotator', 'detection']).optional(),
          offset: z.number().int().min(0),
          limit: z.number().int().min(1).max(10_000),
        })
        .strict(),
    ]),
    get: z.tuple([id]),
    forSeries: z.tuple([id]),
    create: z.tuple([z.object({ instanceId: id, frame: z.number().int().min(0), recist, actor }).strict()]),
    update: z.tuple([z.object({ lesionId: id, version, recist, actor }).strict()]),
    remove: z.tuple([z.object({ lesionId: id, version, actor }).strict()]),
    restore: z.tuple([z.object({ lesionId: id, actor }).strict()]),
    history: z.tuple([id]),
  },
  models: {
    list: none,
    add: z.tuple([z.object({ path: filePath }).strict()]),
    runtime: none,
  },
  mining: {
    startEmbedding: z.tuple([z.object({ model: modelName.optional() }).strict()]),
    embeddingStatus: z.tuple([z.object({ model: modelName.optional() }).strict()]),
    similar: z.tuple([
      z
        .object({
          lesionId: id,
          k: z.number().int().min(1).max(500),
          model: modelName.optional(),
          weights: featureWeights.optional(),
        })
        .strict(),
    ]),
  },
  clustering: {
    startClustering: z.tuple([
      z
        .object({
          k: z.number().int().min(2).max(200),
          features: z.array(featureGroup).min(1).max(5).optional(),
          weights: featureWeights.optional(),
          metric: metric.optional(),
          iterate: z.boolean().optional(),
          maxRounds: z.number().int().min(1).max(50).optional(),
          seed: seed.optional(),
          restarts: z.number().int().min(1).max(100).optional(),
          model: modelName.optional(),
        })
        .strict(),
    ]),
    runs: none,
    run: z.tuple([id]),
    setCurrentRun: z.tuple([id]),
    members: z.tuple([
      z
        .object({
          runId: id,
          cluster: z.number().int().min(0).max(1000),
          offset: z.number().int().min(0),
          limit: z.number().int().min(1).max(50_000),
          order: z.enum(['nearest', 'farthest']).optional(),
        })
        .strict(),
    ]),
    startKSuggestion: z.tuple([
      z
        .object({
          kMin: z.number().int().min(2).max(200),
          kMax: z.number().int().min(2).max(200),
          features: z.array(featureGroup).min(1).max(5).optional(),
          metric: metric.optional(),
          seed: seed.optional(),
          model: modelName.optional(),
        })
        .strict()
        .refine((v) => v.kMax >= v.kMin, 'kMax must not be below kMin'),
    ]),
    startMap: z.tuple([z.object({ runId: id }).strict()]),
    map: z.tuple([id]),
    evaluate: z.tuple([z.object({ runId: id.optional(), split: z.enum(['train', 'val', 'test', 'all']).optional() }).strict()]),
    mergeClusters: z.tuple([z.object({ runId: id, from: clusterNumber, into: clusterNumber, actor }).strict()]),
    splitCluster: z.tuple([z.object({ runId: id, cluster: clusterNumber, k: z.number().int().min(2).max(50), actor }).strict()]),
    moveToCluster: z.tuple([z.object({ runId: id, lesionIds: lesionIds, cluster: clusterNumber, actor }).strict()]),
  },
  review: {
    categories: none,
    createCategory: z.tuple([z.object({ name: categoryName, colour, shortcut, description: z.string().max(2000).optional(), actor }).strict()]),
    updateCategory: z.tuple([
      z.object({ id, version, name: categoryName.optional(), colour: colour.optional(), shortcut: shortcut.optional(), description: z.string().max(2000).optional(), actor }).strict(),
    ]),
    mergeCategories: z.tuple([z.object({ from: id, into: id, actor }).strict()]),
    query: z.tuple([
      z
        .object({
          filter: reviewFilter,
          sort: z.enum(['distance', 'uncertainty', 'size', 'id']),
          descending: z.boolean().optional(),
          offset: z.number().int().min(0),
          limit: z.number().int().min(1).max(100_000),
        })
        .strict(),
    ]),
    items: z.tuple([lesionIds]),
    apply: z.tuple([
      z
        .object({
          lesionIds,
          change: z.object({ categoryId: id.nullable().optional(), reviewed: z.boolean().optional(), flagged: z.boolean().optional() }).strict(),
          actor,
          versions: z.record(z.string().regex(/^\d+$/), version).optional(),
        })
        .strict(),
    ]),
    restore: z.tuple([
      z
        .object({
          states: z.array(reviewState).min(1).max(100_000),
          actor,
          versions: z.record(z.string().regex(/^\d+$/), version).optional(),
          action: z.enum(['undo', 'redo']).optional(),
        })
        .strict(),
    ]),
    nameCluster: z.tuple([z.object({ runId: id, cluster: clusterNumber, categoryId: id, actor }).strict()]),
    sessionSummary: z.tuple([z.object({ actor, since: z.string().datetime() }).strict()]),
    states: z.tuple([z.object({ lesionIds: z.array(id).max(1_000_000).optional() }).strict()]),
  },
  export: {
    formats: none,
    preview: z.tuple([z.object({ selection: exportSelection, split: splitSpec.optional() }).strict()]),
    start: z.tuple([exportRequest]),
    listOutput: z.tuple([z.object({ out: filePath }).strict()]),
  },
  jobs: { list: none, get: z.tuple([jobId]), cancel: z.tuple([jobId]) },
} satisfies ApiSchemas;
