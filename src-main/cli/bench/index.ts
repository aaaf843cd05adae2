import { availableParallelism, cpus } from 'node:os';
import { appRoot } from '../commands';
import { inTempDirectory } from './temp';
import { benchClustering } from './clustering-bench';
import { benchEmbedding } from './embedding-bench';
import { benchGallery } from './gallery-bench';
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
    const rows = await inTempDirectory('lw-bench-', (workDir) => benchEmbedding({ appRoot, workDir, lesions: 300, batchSizes: [1, 16, 64] }));
    process.stdout.write('Embedding job, end to end (decode, patch, ONNX, feature groups; 300 lesions on the sample CT):\n');
    process.stdout.write(
      `${table(
        ['ONNX batch', 'lesions', 'seconds', 'lesions/s', 'provider'],
        rows.map((r) => [r.batch, r.lesions, r.seconds.toFixed(2), r.lesionsPerSecond.toFixed(1), r.executionProvider]),
      )}\n\n`,
    );
  }
  if (all || which.includes('clustering')) {
    const r = await inTempDirectory('lw-bench-clustering-', (workDir) => benchClustering({ appRoot, workDir, sizes: [4889, 34_000] }));
    for (const size of r.sizes) {
      process.stdout.write(`Deep mining on ${size.lesions} DeepLesion lesions (the validation table${size.lesions > 4889 ? ', repeated under other patients' : ''}), as jobs in the worker:\n`);
      process.stdout.write(`${table(['step', 'seconds', 'result'], size.steps.map((s) => [s.step, s.seconds.toFixed(2), s.detail]))}\n\n`);
    }
    const p = r.peer;
    process.stdout.write(`k-means, k = 8, 10 restarts, on the same ${p.lesions} x ${p.dims} matrix (the default groups):\n`);
    process.stdout.write(
      `${table(
        ['implementation', 'seconds', 'inertia'],
        [
          ['workstation (WebAssembly SIMD, one thread)', p.oursSeconds.toFixed(2), p.oursInertia.toFixed(1)],
          typeof p.sklearn === 'string'
            ? ['scikit-learn', p.sklearn, '-']
            : [`scikit-learn ${p.sklearn.version} (lloyd, 2 threads)`, p.sklearn.seconds.toFixed(2), p.sklearn.inertia.toFixed(1)],
        ],
      )}\n\n`,
    );
  }
  if (all || which.includes('gallery')) {
    const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
    const r = await inTempDirectory('lw-bench-gallery-', (workDir) => benchGallery({ appRoot, workDir, lesions: 30_000, chromium }));
    if (typeof r === 'string') {
      process.stdout.write(`Review gallery: skipped, ${r}\n\n`);
    } else {
      process.stdout.write(`Review gallery in headless Chromium (${r.lesions} lesions, each with its key-slice thumbnail):\n`);
      process.stdout.write(
        `${table(
          ['measure', 'value'],
          [
            [`open a ${r.cold.clusterSize}-lesion cluster, thumbnails not yet rendered: tiles drawn`, `${r.cold.tilesMs.toFixed(0)} ms`],
            ['  thumbnails loaded', `${r.cold.thumbnailsMs.toFixed(0)} ms`],
            [`open a ${r.warm.clusterSize}-lesion cluster, thumbnails rendered (as after embedding): tiles drawn`, `${r.warm.tilesMs.toFixed(0)} ms`],
            ['  thumbnails loaded', `${r.warm.thumbnailsMs.toFixed(0)} ms`],
            ...r.passes.flatMap((p): (string | number)[][] => [
              [`scroll ${p.pxPerFrame} px/frame (${p.scrolledRows} rows, ${p.frames} frames): median frame`, `${p.medianFrameMs.toFixed(1)} ms`],
              ['  95th percentile frame', `${p.p95FrameMs.toFixed(1)} ms`],
              ['  longest frame', `${p.maxFrameMs.toFixed(1)} ms`],
              ['  frames over 34 ms', p.longFrames],
              ['  thumbnails shown while scrolling', p.thumbnailsLoaded],
            ]),
          ],
        )}\n\n`,
      );
    }
  }
  return 0;
}
