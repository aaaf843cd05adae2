import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { kmeans } from '../../core/clustering/kmeans';
import { createRandom } from '../../core/clustering/random';
import { createWorkstation } from '../../core/workstation';
import { startHost } from '../../host/server';
import { launchHeadlessChromium } from '../headless-chromium';

export interface GalleryBenchResult {
  lesions: number;
  /** Opening a cluster whose thumbnails were never rendered, and one whose first screens were (as after embedding). */
  cold: FirstPaint;
  warm: FirstPaint;
  passes: ScrollPass[];
}

/** From the click on a cluster to the first tiles drawn with their items, and to their thumbnails loaded. */
export interface FirstPaint {
  clusterSize: number;
  tilesMs: number;
  thumbnailsMs: number;
}

/** A steady scroll from the top, `pxPerFrame` each animation frame (60 px is a brisk wheel; 180 a fling). */
export interface ScrollPass {
  pxPerFrame: number;
  frames: number;
  medianFrameMs: number;
  p95FrameMs: number;
  maxFrameMs: number;
  /** Frames longer than two 60 Hz frames. */
  longFrames: number;
  scrolledRows: number;
  thumbnailsLoaded: number;
}


/** The little of the DOM the page-side functions use (this file is compiled without the DOM library). */
interface PageElement {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
  textContent: string | null;
  scrollTop: number;
  click(): void;
  complete?: boolean;
  naturalWidth?: number;
  src?: string;
}
interface PageGlobals {
  document: PageElement;
  localStorage: { setItem(key: string, value: string): void };
  requestAnimationFrame(callback: (time: number) => void): number;
  setTimeout(callback: () => void, ms: number): number;
}

function quote(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * A DeepLesion-format library of `count` lesions on the 23 real key slices of the bundled DeepLesion sample:
 * each row is a real annotation moved and rescaled at random within its image, so every tile of the gallery
 * has a thumbnail to render and show.
 */
export function writeBenchLibrary(appRoot: string, dir: string, count: number): void {
  const source = join(appRoot, 'resources', 'sample-deeplesion');
  const tables = [join(source, 'DL_info_val.csv')];
  const rows = tables.flatMap((t) => parse(readFileSync(t, 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[]);
  const withImage = rows.filter((r) => {
    const name = r.File_name!;
    return existsSync(join(source, 'Images_png', name.slice(0, 12), name.slice(13)));
  });
  if (!withImage.length) throw new Error(`no DeepLesion key slice found under ${source}`);
  cpSync(join(source, 'Images_png'), join(dir, 'Images_png'), { recursive: true });
  const random = createRandom(11);
  const header = Object.keys(withImage[0]!);
  const lines = [header.join(',')];
  for (let i = 0; i < count; i++) {
    const base = withImage[i % withImage.length]!;
    const p = base.Measurement_coordinates!.split(',').map(Number);
    const [width, height] = base.Image_size!.split(',').map(Number) as [number, number];
    const cx = (p[0]! + p[2]!) / 2;
    const cy = (p[1]! + p[3]!) / 2;
    const scale = 0.6 + random.next();
    const dx = (random.next() - 0.5) * 120;
    const dy = (random.next() - 0.5) * 120;
    const moved = p.map((v, j) => {
      const c = j % 2 ? cy : cx;
      const limit = j % 2 ? height : width;
      return Math.min(limit - 12, Math.max(12, c + (v - c) * scale + (j % 2 ? dy : dx)));
    });
    const xs = moved.filter((_, j) => j % 2 === 0);
    const ys = moved.filter((_, j) => j % 2 === 1);
    const long = Math.hypot(moved[0]! - moved[2]!, moved[1]! - moved[3]!);
    const short = Math.hypot(moved[4]! - moved[6]!, moved[5]! - moved[7]!);
    const row: Record<string, string> = {
      ...base,
      Measurement_coordinates: moved.map((v) => v.toFixed(3)).join(', '),
      Bounding_boxes: [Math.min(...xs) - 5, Math.min(...ys) - 5, Math.max(...xs) + 5, Math.max(...ys) + 5].map((v) => v.toFixed(3)).join(', '),
      Lesion_diameters_Pixel_: `${long.toFixed(4)}, ${short.toFixed(4)}`,
    };
    lines.push(header.map((h) => quote(row[h] ?? '')).join(','));
  }
  writeFileSync(join(dir, 'DL_info.csv'), `${lines.join('\n')}\n`);
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/**
 * Opens the review gallery on a 30,000-lesion catalogue in headless Chromium, through the browser host: the first
 * paint after opening a cluster, then frame times while the gallery scrolls steadily through all lesions.
 */
export async function benchGallery(options: { appRoot: string; workDir: string; lesions: number; chromium: string }): Promise<GalleryBenchResult | string> {
  if (!existsSync(options.chromium)) return `no Chromium at ${options.chromium} (apt-get install chromium)`;
  if (!existsSync(join(options.appRoot, 'out', 'renderer', 'index.html'))) return 'out/renderer is missing: run `npm run build` first';
  const library = join(options.workDir, 'library');
  mkdirSync(library, { recursive: true });
  writeBenchLibrary(options.appRoot, library, options.lesions);
  const ws = createWorkstation({ catalogPath: join(options.workDir, 'catalogue.sqlite'), appRoot: options.appRoot, workers: 2 });
  const context = await launchHeadlessChromium(join(options.workDir, 'profile'), options.chromium);
  const host = await startHost({ workstation: ws, appRoot: options.appRoot });
  try {
    const job = await ws.api.library.startImport({ paths: [library] });
    const imported = await ws.jobs.wait(job.id);
    if (imported.state !== 'done') throw new Error(`import ${imported.state}: ${imported.error}`);
    // The clusters: k-means on each lesion's box position and size. Embedding 30,000 lesions with pixels takes
    // minutes (the embedding bench measures it); what this bench measures is the gallery, whatever the grouping.
    const lesions = ws.catalogue.db.prepare('SELECT id, box_x1 AS x1, box_y1 AS y1, box_x2 AS x2, box_y2 AS y2 FROM lesions ORDER BY id').all() as {
      id: number;
      x1: number;
      y1: number;
      x2: number;
      y2: number;
    }[];
    const data = new Float32Array(lesions.length * 4);
    lesions.forEach((l, i) => data.set([(l.x1 + l.x2) / 1024, (l.y1 + l.y2) / 1024, (l.x2 - l.x1) / 100, (l.y2 - l.y1) / 100], i * 4));
    const k = 8;
    const clusters = kmeans(data, lesions.length, 4, { k, restarts: 2, seed: 1 });
    const model = ws.models.resolve(undefined);
    ws.catalogue.transaction(() => {
      const runId = ws.catalogue.clusteringRuns.create(
        {
          embeddingModelVersionId: model.id,
          headModelVersionId: null,
          k,
          metric: 'euclidean',
          seed: 1,
          features: { size: 1, location: 1 },
          params: { bench: 'k-means on box position and size' },
          rounds: [{ round: 0, changedFraction: null, inertia: clusters.inertia, silhouette: null }],
          inertia: clusters.inertia,
          silhouette: null,
          lesions: lesions.length,
        },
        { lesionIds: lesions.map((l) => l.id), labels: clusters.labels, distances: clusters.distances },
      );
      ws.catalogue.clusteringRuns.setCurrent(runId);
    });
    const sizes = new Map<number, number>();
    for (const label of clusters.labels) sizes.set(label, (sizes.get(label) ?? 0) + 1);

    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${host.url}#review`);
    await page.evaluate(() => (globalThis as unknown as PageGlobals).localStorage.setItem('lesion-ws.annotator', 'Benchmark'));
    await page.reload();
    await page.locator('[data-test=board-card]').first().waitFor({ timeout: 60_000 });
    await page.waitForFunction(() => [...(globalThis as unknown as PageGlobals).document.querySelectorAll('[data-test=board-card] img')].every((i) => i.complete));

    /** From the click on a board card to tiles drawn with their items, and to every visible thumbnail loaded. */
    const openCluster = (cluster: number) =>
      page.evaluate(async (c) => {
        const { document, requestAnimationFrame } = globalThis as unknown as PageGlobals;
        const button = document.querySelector(`[data-test=board-card][data-cluster="${c}"] [data-test=board-open]`)!;
        const t0 = performance.now();
        button.click();
        let tiles = -1;
        for (;;) {
          await new Promise((r) => requestAnimationFrame(r));
          const shown = [...document.querySelectorAll('[data-test=gallery-tile]')];
          const ready = shown.length > 0 && shown.every((t) => t.querySelector('[data-test=tile-category]')?.textContent !== '…');
          if (ready && tiles < 0) tiles = performance.now() - t0;
          const images = [...document.querySelectorAll('[data-test=gallery-tile] img')];
          if (ready && images.length && images.every((i) => i.complete && (i.naturalWidth ?? 0) > 0)) return { tiles, thumbnails: performance.now() - t0 };
          if (performance.now() - t0 > 60_000) return { tiles, thumbnails: Number.NaN };
        }
      }, cluster);
    const bySize = [...sizes].sort((a, b) => b[1] - a[1]);
    const [largest, clusterSize] = bySize[0]!;
    const [second, secondSize] = bySize[1]!;
    const cold = await openCluster(largest);
    // The embedding job renders each thumbnail from the slice it decodes anyway; here the first screens of the
    // second cluster are rendered the same way (into the cache), to time the gallery as it opens after embedding.
    const members = await ws.api.clustering.members({ runId: ws.catalogue.clusteringRuns.current()!, cluster: second, offset: 0, limit: 120 });
    for (const id of members.lesionIds) await ws.lesionImages.thumbnailPng(id);
    await page.click('[data-test=review-tab-board]');
    await page.locator('[data-test=board-card]').first().waitFor();
    const warm = await openCluster(second);

    await page.click('[data-test=scope-all]');
    await page.waitForFunction(
      (n) => (globalThis as unknown as PageGlobals).document.querySelector('[data-test=review-count]')?.textContent?.includes(`${n} lesions`),
      lesions.length,
    );
    await page.locator('[data-test=gallery-tile]').first().waitFor();
    await page.waitForTimeout(500);
    const passes: ScrollPass[] = [];
    for (const pxPerFrame of [60, 180]) {
      const pass = await page.evaluate(async (step) => {
        const { document, requestAnimationFrame, setTimeout } = globalThis as unknown as PageGlobals;
        const gallery = document.querySelector('[data-test=gallery]')!;
        gallery.scrollTop = 0;
        await new Promise<void>((r) => setTimeout(r, 300));
        const loaded = new Set<string>();
        const deltas: number[] = [];
        let last = await new Promise<number>((r) => requestAnimationFrame(r));
        for (let i = 0; i < 900; i++) {
          gallery.scrollTop += step;
          const t = await new Promise<number>((r) => requestAnimationFrame(r));
          deltas.push(t - last);
          last = t;
          for (const img of gallery.querySelectorAll('img')) if (img.complete && img.naturalWidth) loaded.add(img.src!);
        }
        return { deltas, rows: Math.round(gallery.scrollTop / 164), loaded: loaded.size };
      }, pxPerFrame);
      const sorted = [...pass.deltas].sort((a, b) => a - b);
      passes.push({
        pxPerFrame,
        frames: sorted.length,
        medianFrameMs: percentile(sorted, 0.5),
        p95FrameMs: percentile(sorted, 0.95),
        maxFrameMs: sorted.at(-1)!,
        longFrames: sorted.filter((d) => d > 34).length,
        scrolledRows: pass.rows,
        thumbnailsLoaded: pass.loaded,
      });
    }
    return {
      lesions: lesions.length,
      cold: { clusterSize, tilesMs: cold.tiles, thumbnailsMs: cold.thumbnails },
      warm: { clusterSize: secondSize, tilesMs: warm.tiles, thumbnailsMs: warm.thumbnails },
      passes,
    };
  } finally {
    await context.close();
    await host.close();
    await ws.close();
  }
}
