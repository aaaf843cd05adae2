import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { createRandom } from '../../core/clustering/random';
import { DEFAULT_SCATTERING_CONFIG, filterBank, MODULUS_EPS, scatteringDimension } from '../../core/embedding/scattering/filters';

/**
 * Speed of the scattering model (models/scattering/model.onnx) in onnxruntime on the CPU, against the same
 * transform in PyTorch (scattering-reference.py under Debian's /usr/bin/python3, 2 threads), on seeded random
 * patches with values in [0, 1]. Measures only; prints nothing.
 */

export interface ScatteringBenchRow {
  batch: number;
  ortPatchesPerSecond: number;
  /** null where /usr/bin/python3 cannot import torch */
  torchPatchesPerSecond: number | null;
  /** ortPatchesPerSecond / torchPatchesPerSecond: above 1 when onnxruntime is faster */
  ratio: number | null;
}

export interface ScatteringBenchResult {
  rows: ScatteringBenchRow[];
  /** max over the elements of one batch of |ort - torch| / |torch| (denominator at least 1e-6); null without torch */
  maxRelErrorVsTorch: number | null;
}

export interface ScatteringBenchOptions {
  batchSizes: number[];
  /** Patches embedded per batch size (rounded up to whole batches), after one warm-up batch. */
  patches: number;
  modelPath?: string;
  python?: string;
}

const execFileAsync = promisify(execFile);
const DEFAULT_MODEL = resolve(__dirname, '..', '..', '..', 'models', 'scattering', 'model.onnx');
const TORCH_SCRIPT = resolve(__dirname, 'scattering-reference.py');


function hasTorch(python: string): boolean {
  const probe = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore', timeout: 120_000 });
  return probe.status === 0;
}

/** The Morlet filters as the torch script reads them: per scale, per orientation, real then imaginary, unflipped. */
function filterFile(): { values: Float32Array; sizes: number[] } {
  const bank = filterBank(DEFAULT_SCATTERING_CONFIG);
  const parts: number[] = [];
  for (const scale of bank.psi) for (const psi of scale) parts.push(...psi.re, ...psi.im);
  return { values: Float32Array.from(parts), sizes: bank.psi.map((scale) => scale[0]!.size) };
}

interface TorchRun {
  rows: { batch: number; patches: number; seconds: number }[];
  outputs: Float32Array;
}

async function runTorch(python: string, patches: Float32Array, options: ScatteringBenchOptions, outputCount: number): Promise<TorchRun> {
  const dir = mkdtempSync(join(tmpdir(), 'lw-scattering-bench-'));
  try {
    const filters = filterFile();
    const job = {
      config: DEFAULT_SCATTERING_CONFIG,
      eps: MODULUS_EPS,
      threads: 2,
      filterSizes: filters.sizes,
      filtersPath: join(dir, 'filters.bin'),
      patchesPath: join(dir, 'patches.bin'),
      outputsPath: join(dir, 'outputs.bin'),
      batchSizes: options.batchSizes,
      patchesPerSize: options.patches,
      outputCount,
    };
    writeFileSync(job.filtersPath, new Uint8Array(filters.values.buffer));
    writeFileSync(job.patchesPath, new Uint8Array(patches.buffer, patches.byteOffset, patches.byteLength));
    writeFileSync(join(dir, 'job.json'), JSON.stringify(job));
    const { stdout } = await execFileAsync(python, [TORCH_SCRIPT, join(dir, 'job.json')], { timeout: 30 * 60_000, maxBuffer: 1 << 20 });
    const report = JSON.parse(stdout) as { rows: TorchRun['rows'] };
    const raw = readFileSync(job.outputsPath);
    const outputs = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    return { rows: report.rows, outputs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchScattering(options: ScatteringBenchOptions): Promise<ScatteringBenchResult> {
  const { patchSize: n, channels } = DEFAULT_SCATTERING_CONFIG;
  const D = scatteringDimension(DEFAULT_SCATTERING_CONFIG);
  const largest = Math.max(...options.batchSizes);
  if (!Number.isInteger(largest) || largest < 1 || options.batchSizes.some((b) => !Number.isInteger(b) || b < 1)) {
    throw new RangeError('batch sizes must be positive integers');
  }
  const perPatch = channels * n * n;
  // seeded, so every run times the same patches
  const random = createRandom(20240607);
  const patches = Float32Array.from({ length: largest * perPatch }, () => random.next());

  const session = await InferenceSession.create(options.modelPath ?? DEFAULT_MODEL, {
    executionProviders: ['cpu'],
    intraOpNumThreads: availableParallelism(),
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  try {
    const ortRates: number[] = [];
    for (const batch of options.batchSizes) {
      const feeds = { patch: new Tensor('float32', patches.subarray(0, batch * perPatch), [batch, channels, n, n]) };
      await session.run(feeds); // warm-up
      const runs = Math.max(1, Math.ceil(options.patches / batch));
      const start = performance.now();
      for (let r = 0; r < runs; r++) await session.run(feeds);
      ortRates.push((runs * batch) / ((performance.now() - start) / 1000));
    }

    const python = options.python ?? '/usr/bin/python3';
    let torch: TorchRun | null = null;
    if (hasTorch(python)) torch = await runTorch(python, patches, options, largest);

    let maxRelErrorVsTorch: number | null = null;
    if (torch) {
      const all = await session.run({ patch: new Tensor('float32', patches, [largest, channels, n, n]) });
      const ort = all.embedding!.data as Float32Array;
      if (torch.outputs.length !== largest * D) throw new Error(`torch returned ${torch.outputs.length} values, expected ${largest * D}`);
      maxRelErrorVsTorch = 0;
      for (let k = 0; k < ort.length; k++) {
        const reference = torch.outputs[k]!;
        maxRelErrorVsTorch = Math.max(maxRelErrorVsTorch, Math.abs(ort[k]! - reference) / Math.max(Math.abs(reference), 1e-6));
      }
    }

    const rows = options.batchSizes.map((batch, i): ScatteringBenchRow => {
      const timed = torch?.rows.find((r) => r.batch === batch);
      const torchRate = timed ? timed.patches / timed.seconds : null;
      return { batch, ortPatchesPerSecond: ortRates[i]!, torchPatchesPerSecond: torchRate, ratio: torchRate ? ortRates[i]! / torchRate : null };
    });
    return { rows, maxRelErrorVsTorch };
  } finally {
    await session.release();
  }
}
