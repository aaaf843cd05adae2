import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { parseManifest, type ModelManifest } from './manifest';

export type ExecutionProvider = 'cuda' | 'cpu';

export class ModelMismatchError extends Error {}

export interface LoadedModel {
  manifest: ModelManifest;
  session: ort.InferenceSession;
  executionProvider: ExecutionProvider;
  /** Why a preferred provider was not used (e.g. the CUDA provider library is not installed). */
  fallbackReason: string | null;
}

/**
 * The providers to try, best first. onnxruntime-node lists CUDA even when its provider library is absent,
 * so each is tried in turn and the session falls back to CPU itself. LESION_WS_EP=cpu forces the CPU.
 */
export function preferredProviders(): ExecutionProvider[] {
  const forced = process.env.LESION_WS_EP;
  if (forced === 'cpu' || forced === 'cuda') return forced === 'cpu' ? ['cpu'] : ['cuda', 'cpu'];
  const listed = ort.listSupportedBackends?.().map((b) => b.name) ?? [];
  return listed.includes('cuda') ? ['cuda', 'cpu'] : ['cpu'];
}

/** The CUDA provider is a separate library that onnxruntime-node downloads only when installed for CUDA. */
function cudaProviderMissing(): string | null {
  try {
    const bin = join(dirname(require.resolve('onnxruntime-node/package.json')), 'bin', 'napi-v6', process.platform, process.arch);
    const library = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    return existsSync(join(bin, library)) ? null : `the CUDA provider is not installed (install with ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci on a CUDA 12 machine)`;
  } catch {
    return null;
  }
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export function readManifest(modelDir: string): ModelManifest {
  const file = join(modelDir, 'manifest.json');
  if (!existsSync(file)) throw new ModelMismatchError(`${modelDir}: no manifest.json`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ModelMismatchError(`${file}: not JSON (${(err as Error).message})`);
  }
  return parseManifest(json, file);
}

/** Checks the model file's hash and graph against its manifest; throws with the first mismatch named. */
export function checkModelAgainstManifest(modelDir: string, manifest: ModelManifest, session: ort.InferenceSession): void {
  const file = join(modelDir, manifest.file);
  const actual = sha256File(file);
  if (actual !== manifest.sha256) {
    throw new ModelMismatchError(`${file}: sha256 ${actual} does not match the manifest's ${manifest.sha256}`);
  }
  if (!session.inputNames.includes(manifest.input.name)) {
    throw new ModelMismatchError(`${manifest.name}: the model has inputs [${session.inputNames.join(', ')}], the manifest names "${manifest.input.name}"`);
  }
  const input = session.inputMetadata.find((m) => m.name === manifest.input.name);
  if (input?.isTensor) {
    const shape = input.shape;
    const expected = manifest.input.shape;
    const same =
      shape.length === expected.length &&
      shape.every((d, i) => typeof d === 'string' || typeof expected[i] === 'string' ? typeof d === typeof expected[i] : d === expected[i]);
    if (!same) {
      throw new ModelMismatchError(
        `${manifest.name}: input "${manifest.input.name}" has shape [${shape.join(', ')}] in the model but [${expected.join(', ')}] in the manifest`,
      );
    }
    if (input.type !== manifest.input.dtype) {
      throw new ModelMismatchError(`${manifest.name}: input "${manifest.input.name}" is ${input.type} in the model but ${manifest.input.dtype} in the manifest`);
    }
  }
  for (const output of manifest.outputs) {
    if (!session.outputNames.includes(output.name)) {
      throw new ModelMismatchError(`${manifest.name}: the model has outputs [${session.outputNames.join(', ')}], the manifest names "${output.name}"`);
    }
    const meta = session.outputMetadata.find((m) => m.name === output.name);
    if (meta?.isTensor && meta.shape.length && meta.shape.length !== output.shape.length) {
      throw new ModelMismatchError(`${manifest.name}: output "${output.name}" has ${meta.shape.length} dimensions in the model, ${output.shape.length} in the manifest`);
    }
  }
}

/** Opens a model folder (model.onnx + manifest.json) on the best execution provider that works here. */
export async function loadModel(modelDir: string, options: { threads?: number; providers?: ExecutionProvider[] } = {}): Promise<LoadedModel> {
  const manifest = readManifest(modelDir);
  const file = join(modelDir, manifest.file);
  if (!existsSync(file)) throw new ModelMismatchError(`${modelDir}: ${manifest.file} is missing`);
  const reasons: string[] = [];
  for (const ep of options.providers ?? preferredProviders()) {
    const missing = ep === 'cuda' ? cudaProviderMissing() : null;
    if (missing) {
      reasons.push(`cuda: ${missing}`);
      continue;
    }
    try {
      const session = await ort.InferenceSession.create(file, {
        executionProviders: [ep],
        intraOpNumThreads: options.threads ?? Math.max(1, cpus().length),
        graphOptimizationLevel: 'all',
        // failures are thrown and reported with the fallback; keep onnxruntime's own log quiet
        logSeverityLevel: 3,
      });
      checkModelAgainstManifest(modelDir, manifest, session);
      return { manifest, session, executionProvider: ep, fallbackReason: reasons.length ? reasons.join('; ') : null };
    } catch (err) {
      if (err instanceof ModelMismatchError) throw err;
      reasons.push(`${ep}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw new ModelMismatchError(`${manifest.name}: no execution provider could open the model (${reasons.join('; ')})`);
}

/** Runs the model over `count` inputs in batches; returns the first output, rows concatenated. */
export async function runInBatches(model: LoadedModel, inputs: Float32Array, count: number, batchSize: number): Promise<{ output: Float32Array; width: number }> {
  const [, ...rest] = model.manifest.input.shape;
  const perItem = rest.reduce<number>((a, d) => a * (typeof d === 'number' ? d : 1), 1);
  if (inputs.length !== perItem * count) {
    throw new ModelMismatchError(`${model.manifest.name}: ${inputs.length} input values for ${count} items of ${perItem}`);
  }
  const outputName = model.manifest.outputs[0]!.name;
  const parts: Float32Array[] = [];
  let width = 0;
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const tensor = new ort.Tensor('float32', inputs.subarray(start * perItem, (start + n) * perItem), [n, ...rest.map((d) => (typeof d === 'number' ? d : 1))]);
    const result = await model.session.run({ [model.manifest.input.name]: tensor });
    const out = result[outputName]!;
    width = out.dims[out.dims.length - 1] ?? 1;
    parts.push(Float32Array.from(out.data as Float32Array));
  }
  const output = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    output.set(p, offset);
    offset += p.length;
  }
  return { output, width };
}
