import { availableParallelism, cpus } from 'node:os';
import { appRoot } from '../commands';
import { tempDirectory } from './temp';
import { benchEmbedding } from './embedding-bench';
import { benchScattering } from './scattering-bench';

function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => String(c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells.map((r) => r.map((c, i) => c.padStart(widths[i]!)).join('  ')).join('\n');
}

/** `npm run bench`: measured speeds, printed as tables. Speed targets live here, never in tests. */
export async function runBench(which: string[]): Promise<number> {
  const all = which.length === 0;
  process.stdout.write(`Lesion Workstation benchmarks: ${cpus()[0]?.model ?? 'cpu'}, ${availableParallelism()} cores, Node ${process.version}\n\n`);
  if (all || which.includes('scattering')) {
    const s = await benchScattering({ batchSizes: [1, 16, 64], patches: 256 });
    process.stdout.write('Scattering model (64x64x3 patch -> 651 features), onnxruntime CPU vs the same transform in PyTorch:\n');
    process.stdout.write(
      `${table(
        ['batch', 'ORT patches/s', 'ORT ms/patch', 'torch patches/s', 'ORT/torch'],
        s.rows.map((r) => [
          r.batch,
          r.ortPatchesPerSecond.toFixed(1),
          (1000 / r.ortPatchesPerSecond).toFixed(2),
          r.torchPatchesPerSecond === null ? 'no torch' : r.torchPatchesPerSecond.toFixed(1),
          r.ratio === null ? '-' : r.ratio.toFixed(2),
        ]),
      )}\n`,
    );
    process.stdout.write(`max relative difference ORT vs torch: ${s.maxRelErrorVsTorch === null ? 'n/a (no torch)' : s.maxRelErrorVsTorch.toExponential(2)}\n\n`);
  }
  if (all || which.includes('embedding')) {
    const dir = tempDirectory('lw-bench-');
    try {
      const rows = await benchEmbedding({ appRoot, workDir: dir.path, lesions: 300, batchSizes: [1, 16, 64] });
      process.stdout.write('Embedding job, end to end (decode, patch, ONNX, feature groups; 300 lesions on the sample CT):\n');
      process.stdout.write(
        `${table(
          ['ONNX batch', 'lesions', 'seconds', 'lesions/s', 'provider'],
          rows.map((r) => [r.batch, r.lesions, r.seconds.toFixed(2), r.lesionsPerSecond.toFixed(1), r.executionProvider]),
        )}\n\n`,
      );
    } finally {
      dir.remove();
    }
  }
  return 0;
}
