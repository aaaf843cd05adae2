import { z } from 'zod';

/**
 * What a model promises about itself (models/<name>/manifest.json). A model whose file or graph does not
 * match its manifest is refused with a message that names the mismatch.
 */
const dimension = z.union([z.number().int().positive(), z.string().min(1).max(32)]);

export const windowSchema = z.object({ name: z.string().min(1).max(64), center: z.number(), width: z.number().positive() }).strict();

const modelName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lower-case letters, digits, ".", "_" and "-"');

/** What a features model (a head trained by the iterative loop) takes: stored vectors of another model. */
export const basedOnSchema = z
  .object({
    model: modelName,
    version: z.string().min(1).max(32),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    /** The base model's id in the catalogue it was trained in: informative only elsewhere. */
    modelVersionId: z.number().int().positive().optional(),
    groups: z.array(z.object({ name: z.string().min(1).max(64), length: z.number().int().positive(), weight: z.number().min(0) }).strict()).min(1),
  })
  .strict();

export const manifestSchema = z
  .object({
    name: modelName,
    version: z.string().min(1).max(32),
    task: z.enum(['embedding', 'classifier', 'detector']),
    description: z.string().max(2000).optional(),
    /** The ONNX file beside the manifest. */
    file: z.string().regex(/^[\w.-]+\.onnx$/).default('model.onnx'),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    input: z
      .object({
        name: z.string().min(1),
        /** 'patch': image patches made by the preprocessing below; 'features': stored vectors of `basedOn` */
        kind: z.enum(['patch', 'features']).default('patch'),
        /** e.g. ["N", 3, 64, 64]: strings are free (batch) dimensions */
        shape: z.array(dimension).min(1).max(8),
        dtype: z.enum(['float32']),
      })
      .strict(),
    outputs: z.array(z.object({ name: z.string().min(1), shape: z.array(dimension).min(1).max(8) }).strict()).min(1),
    preprocessing: z
      .object({
        patchSize: z.number().int().positive(),
        mmPerPixel: z.number().positive(),
        /** One input channel per window, per slice (key slice first, then context slices by offset). */
        windows: z.array(windowSchema).min(1),
        contextSlices: z.number().int().min(0).max(8).default(0),
      })
      .strict()
      .optional(),
    basedOn: basedOnSchema.optional(),
    labels: z.array(z.string()).nullable().default(null),
    /** Where the weights come from (a script in the repo, a training run) and under which licence. */
    provenance: z.string().max(2000).optional(),
  })
  .strict();

export type ModelManifest = z.infer<typeof manifestSchema>;
export type PatchModelManifest = ModelManifest & { preprocessing: NonNullable<ModelManifest['preprocessing']> };

/** The patch preprocessing of a model that embeds images; throws for a features model (a head). */
export function patchPreprocessing(m: ModelManifest): NonNullable<ModelManifest['preprocessing']> {
  if (m.input.kind !== 'patch' || !m.preprocessing) throw new ManifestError(`${m.name} takes stored feature vectors, not image patches`);
  return m.preprocessing;
}

export class ManifestError extends Error {}

export function parseManifest(json: unknown, where: string): ModelManifest {
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'manifest'}: ${i.message}`).join('; ');
    throw new ManifestError(`${where}: invalid manifest (${detail})`);
  }
  const m = parsed.data;
  if (m.input.kind === 'features') {
    if (!m.basedOn) throw new ManifestError(`${where}: a features model must say which model's vectors it takes (basedOn)`);
    if (m.preprocessing) throw new ManifestError(`${where}: a features model has no patch preprocessing`);
    const width = m.basedOn.groups.reduce((a, g) => a + g.length, 0);
    if (m.input.shape.length !== 2 || m.input.shape[1] !== width) {
      throw new ManifestError(`${where}: input shape [${m.input.shape.join(', ')}] does not match basedOn's ${width} features`);
    }
    return m;
  }
  if (!m.preprocessing) throw new ManifestError(`${where}: a patch model needs its preprocessing (patch size, mm per pixel, windows)`);
  const channels = m.preprocessing.windows.length * (1 + 2 * m.preprocessing.contextSlices);
  const [, c, h, w] = m.input.shape;
  if (m.input.shape.length === 4 && (c !== channels || h !== m.preprocessing.patchSize || w !== m.preprocessing.patchSize)) {
    throw new ManifestError(
      `${where}: input shape [${m.input.shape.join(', ')}] does not match the preprocessing (${channels} channels of ${m.preprocessing.patchSize}x${m.preprocessing.patchSize})`,
    );
  }
  return m;
}
