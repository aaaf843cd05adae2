import { z } from 'zod';

/**
 * What a model promises about itself (models/<name>/manifest.json). A model whose file or graph does not
 * match its manifest is refused with a message that names the mismatch.
 */
const dimension = z.union([z.number().int().positive(), z.string().min(1).max(32)]);

export const windowSchema = z.object({ name: z.string().min(1).max(64), center: z.number(), width: z.number().positive() }).strict();

export const manifestSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lower-case letters, digits, ".", "_" and "-"'),
    version: z.string().min(1).max(32),
    task: z.enum(['embedding', 'classifier', 'detector']),
    description: z.string().max(2000).optional(),
    /** The ONNX file beside the manifest. */
    file: z.string().regex(/^[\w.-]+\.onnx$/).default('model.onnx'),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    input: z
      .object({
        name: z.string().min(1),
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
      .strict(),
    labels: z.array(z.string()).nullable().default(null),
    /** Where the weights come from (a script in the repo, a training run) and under which licence. */
    provenance: z.string().max(2000).optional(),
  })
  .strict();

export type ModelManifest = z.infer<typeof manifestSchema>;

export class ManifestError extends Error {}

export function parseManifest(json: unknown, where: string): ModelManifest {
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'manifest'}: ${i.message}`).join('; ');
    throw new ManifestError(`${where}: invalid manifest (${detail})`);
  }
  const m = parsed.data;
  const channels = m.preprocessing.windows.length * (1 + 2 * m.preprocessing.contextSlices);
  const [, c, h, w] = m.input.shape;
  if (m.input.shape.length === 4 && (c !== channels || h !== m.preprocessing.patchSize || w !== m.preprocessing.patchSize)) {
    throw new ManifestError(
      `${where}: input shape [${m.input.shape.join(', ')}] does not match the preprocessing (${channels} channels of ${m.preprocessing.patchSize}x${m.preprocessing.patchSize})`,
    );
  }
  return m;
}
