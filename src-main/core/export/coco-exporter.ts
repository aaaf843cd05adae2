import type { Split } from '../../contract';
import { DEEPLESION_HU_OFFSET } from '../library/deeplesion';
import { effectiveCategory, type ExportContext, type Exporter } from './exporter';
import { sliceFileName } from './slices';

export const RECIST_KEYPOINTS = ['long_axis_start', 'long_axis_end', 'short_axis_start', 'short_axis_end'] as const;

interface CocoImage {
  id: number;
  file_name: string;
  width: number;
  height: number;
  /** Extensions: what the pixels mean and where the slice sits. */
  hu_offset: number;
  pixel_spacing_mm: [number, number] | null;
  series: string;
  slice: number;
  splits: Split[];
}

interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  bbox: [number, number, number, number];
  area: number;
  iscrowd: 0;
  keypoints: number[];
  num_keypoints: number;
  /** The RECIST axes as polylines: [[x1, y1], [x2, y2]] each. */
  recist: { long_axis: [number, number][]; short_axis: [number, number][] | null };
  bbox_clipped: boolean;
  lesion_id: number;
  long_axis_mm: number | null;
  short_axis_mm: number | null;
  category_source: 'curated' | 'reference' | null;
  review_status: 'unreviewed' | 'reviewed';
  annotator: string | null;
  reviewed_by: string | null;
  source: string;
  split: Split | null;
  cluster: number | null;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/**
 * COCO detection: `annotations.json` (and `annotations_<split>.json` per split present) with the taxonomy as
 * categories, one annotation per lesion (bbox, area = w × h, the RECIST endpoints as 4 keypoints and as
 * polylines, review status, annotator), and the key slices as 16-bit PNGs (HU + 32768) under images/. Boxes are
 * DeepLesion's (the RECIST endpoints padded by 5 px), clipped to the image.
 */
export const cocoExporter: Exporter = {
  info: {
    name: 'coco',
    label: 'COCO detection',
    description: 'COCO detection JSON (taxonomy categories, boxes, RECIST axes as keypoints, review status, annotator) with 16-bit PNG key slices',
    writesImages: true,
  },

  async write(ctx: ExportContext): Promise<void> {
    const images = new Map<string, CocoImage>();
    const annotations: CocoAnnotation[] = [];
    let uncategorisedUsed = false;
    const uncategorisedId = Math.max(0, ...ctx.taxonomy.map((c) => c.id)) + 1;
    let done = 0;
    for (const item of ctx.items) {
      ctx.checkCancelled();
      ctx.progress(done++, ctx.items.length, `COCO: lesion ${done} of ${ctx.items.length}`);
      const slices = ctx.naming.slicesOf(item);
      const key = slices?.key;
      if (!slices || !key) {
        ctx.skip(item, 'its image is not in the library (COCO annotations need their image)');
        continue;
      }
      const width = key.instance.columns ?? 0;
      const height = key.instance.rows ?? 0;
      const file = `images/${slices.folder}_${sliceFileName(key.number)}`;
      const written = await ctx.writeSlice(file, key);
      if (written !== true) {
        ctx.skip(item, written);
        continue;
      }
      let image = images.get(file);
      if (!image) {
        image = {
          id: images.size + 1,
          file_name: file,
          width,
          height,
          hu_offset: DEEPLESION_HU_OFFSET,
          pixel_spacing_mm: key.instance.pixelSpacing,
          series: slices.folder,
          slice: key.number,
          splits: [],
        };
        images.set(file, image);
      }
      if (item.split && !image.splits.includes(item.split)) image.splits.push(item.split);
      const { lesion } = item;
      const { category, from } = effectiveCategory(item, ctx.taxonomy);
      if (!category) uncategorisedUsed = true;
      const x1 = clamp(Math.min(lesion.box.x1, lesion.box.x2), 0, width);
      const y1 = clamp(Math.min(lesion.box.y1, lesion.box.y2), 0, height);
      const x2 = clamp(Math.max(lesion.box.x1, lesion.box.x2), 0, width);
      const y2 = clamp(Math.max(lesion.box.y1, lesion.box.y2), 0, height);
      const long = lesion.recist.longAxis;
      const short = lesion.recist.shortAxis;
      const points = [...long, ...(short ?? [])];
      const people = ctx.peopleOf(item);
      annotations.push({
        id: annotations.length + 1,
        image_id: image.id,
        category_id: category?.id ?? uncategorisedId,
        bbox: [x1, y1, x2 - x1, y2 - y1],
        area: (x2 - x1) * (y2 - y1),
        iscrowd: 0,
        keypoints: [...points.flatMap((p) => [p.x, p.y, 2]), ...(short ? [] : [0, 0, 0, 0, 0, 0])],
        num_keypoints: points.length,
        recist: { long_axis: long.map((p) => [p.x, p.y] as [number, number]), short_axis: short ? short.map((p) => [p.x, p.y] as [number, number]) : null },
        bbox_clipped: x1 !== Math.min(lesion.box.x1, lesion.box.x2) || y1 !== Math.min(lesion.box.y1, lesion.box.y2) || x2 !== Math.max(lesion.box.x1, lesion.box.x2) || y2 !== Math.max(lesion.box.y1, lesion.box.y2),
        lesion_id: lesion.id,
        long_axis_mm: lesion.longAxisMm,
        short_axis_mm: lesion.shortAxisMm,
        category_source: from,
        review_status: lesion.reviewStatus,
        annotator: people.creator,
        reviewed_by: people.reviewer,
        source: lesion.source,
        split: item.split,
        cluster: item.cluster,
      });
      ctx.exported(item);
    }

    const categories = ctx.taxonomy.map((c) => ({
      id: c.id,
      name: c.name,
      supercategory: 'lesion',
      keypoints: [...RECIST_KEYPOINTS],
      skeleton: [
        [1, 2],
        [3, 4],
      ],
      deeplesion_type: c.referenceType,
    }));
    if (uncategorisedUsed) categories.push({ id: uncategorisedId, name: 'uncategorised', supercategory: 'lesion', keypoints: [...RECIST_KEYPOINTS], skeleton: [[1, 2], [3, 4]], deeplesion_type: null });
    const info = {
      description: 'Lesion Workstation export (COCO detection)',
      version: '1.0',
      year: ctx.now.getUTCFullYear(),
      contributor: 'Lesion Workstation',
      date_created: ctx.now.toISOString(),
      coordinates: 'pixels, (0, 0) at the centre of the top-left pixel (DeepLesion convention); bbox = [x, y, w, h]',
      pixel_values: `16-bit PNG, stored value = HU + ${DEEPLESION_HU_OFFSET}`,
    };
    const document = (anns: CocoAnnotation[]) => {
      const used = new Set(anns.map((a) => a.image_id));
      return `${JSON.stringify({ info, licenses: [], images: [...images.values()].filter((i) => used.has(i.id)), annotations: anns, categories }, null, 1)}\n`;
    };
    ctx.checkCancelled();
    ctx.folder.write('annotations.json', document(annotations));
    for (const split of ['train', 'val', 'test'] as const) {
      const part = annotations.filter((a) => a.split === split);
      if (part.length) ctx.folder.write(`annotations_${split}.json`, document(part));
    }
    ctx.note('coco', {
      files: 'annotations.json holds every annotation; annotations_<split>.json the annotations of each split present',
      categories: 'the taxonomy; a lesion without a curated category takes the category its DeepLesion type maps to (category_source "reference"), else "uncategorised"',
      area: 'bbox width × height',
      keypoints: RECIST_KEYPOINTS,
      clippedBoxes: annotations.filter((a) => a.bbox_clipped).length,
    });
  },
};
