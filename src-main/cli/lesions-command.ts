import { existsSync } from 'node:fs';
import type { Lesion, LesionSource } from '../contract';
import { openWorkstation } from './commands';

/** `lesion-ws lesions`: every lesion with its image, box, diameters, source, reference type and split. */
export async function runLesions(options: { db: string; json: boolean; source?: string; limit?: number }): Promise<number> {
  if (!existsSync(options.db)) {
    process.stderr.write(`no catalogue at ${options.db}\n`);
    return 1;
  }
  const ws = openWorkstation(options.db, 1);
  try {
    const items: Lesion[] = [];
    const pageSize = 5000;
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    for (let offset = 0; items.length < limit; offset += pageSize) {
      const page = await ws.api.lesions.list({ offset, limit: pageSize, source: options.source as LesionSource | undefined });
      items.push(...page.items);
      if (page.items.length < pageSize) break;
    }
    const categories = new Map((await ws.api.review.categories()).map((c) => [c.id, c.name]));
    const rows = items.slice(0, limit).map((l) => ({
      id: l.id,
      seriesId: l.seriesId,
      instanceId: l.instanceId,
      frame: l.frame,
      keySlice: l.keySliceRef,
      box: l.box,
      longAxisPx: l.longAxisPx,
      shortAxisPx: l.shortAxisPx,
      longAxisMm: l.longAxisMm,
      shortAxisMm: l.shortAxisMm,
      source: l.source,
      referenceType: l.referenceType,
      category: l.categoryId === null ? null : (categories.get(l.categoryId) ?? ws.catalogue.categories.resolve(l.categoryId)?.name ?? null),
      reviewStatus: l.reviewStatus,
      split: l.split,
      noisy: l.noisy,
    }));
    if (options.json) {
      process.stdout.write(`${JSON.stringify(rows)}\n`);
    } else {
      for (const r of rows) {
        const mm = r.longAxisMm === null ? '? mm' : `${r.longAxisMm.toFixed(1)} x ${r.shortAxisMm?.toFixed(1) ?? '-'} mm`;
        process.stdout.write(`${r.id}\t${r.source}\t${mm}\t${r.instanceId === null ? 'image not in library' : `instance ${r.instanceId}`}\t${r.keySlice}\n`);
      }
    }
    return 0;
  } finally {
    await ws.close();
  }
}
