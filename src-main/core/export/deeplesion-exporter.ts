import type { Split } from '../../contract';
import { DEEPLESION_COLUMNS, DEEPLESION_HU_OFFSET } from '../library/deeplesion';
import { csvLine } from './csv-text';
import { coarseTypeOf, exactNumber, type ExportContext, type Exporter } from './exporter';
import type { ExportItem } from './selection';
import { sliceFileName, type LesionSlices } from './slices';

const SPLIT_CODES: Record<Split, number> = { train: 1, val: 2, test: 3 };

/** DICOM Patient's Age ("054Y", "006M") in whole years. */
export function ageInYears(text: string | null | undefined): number | null {
  const m = /^(\d{1,3})([DWMY])$/i.exec(text?.trim() ?? '');
  if (!m) return null;
  const n = Number(m[1]);
  const perYear = { D: 365.25, W: 52.18, M: 12, Y: 1 }[m[2]!.toUpperCase() as 'D' | 'W' | 'M' | 'Y'];
  return Math.floor(n / perYear);
}

const list = (values: readonly number[]) => values.map(exactNumber).join(', ');

/**
 * Lesion_diameters_Pixel_: the release's own values while the axes are unchanged (they differ from the lengths of
 * the rounded coordinates by up to about 0.001 px), else the lengths of the axes as they are now.
 */
function diametersOf(item: ExportItem): [number, number] {
  const { lesion } = item;
  const measured: [number, number] = [lesion.longAxisPx, lesion.shortAxisPx ?? 0];
  const given = lesion.attributes.diametersPx;
  if (Array.isArray(given) && given.length === 2 && given.every((v, i) => typeof v === 'number' && Math.abs(v - measured[i]!) < 0.01)) {
    return given as [number, number];
  }
  return measured;
}

function windowOf(item: ExportItem, slices: LesionSlices): [number, number] | null {
  const dl = item.lesion.attributes.dicomWindow;
  if (Array.isArray(dl) && dl.length === 2 && dl.every((v) => typeof v === 'number')) return dl as [number, number];
  const preset = slices.key?.instance.windowPresets[0];
  return preset ? [preset.center - preset.width / 2, preset.center + preset.width / 2] : null;
}

/** Why a lesion cannot be a DeepLesion row, or its row's facts. */
function rowOf(item: ExportItem, slices: LesionSlices | null): { reason: string } | { slices: LesionSlices; keyNumber: number; spacing: [number, number]; z: number; size: [number, number] } {
  const { lesion } = item;
  if (!slices) return { reason: 'its series is unknown (its image is not in the library)' };
  if (!lesion.recist.shortAxis) return { reason: 'it has no short axis (DeepLesion rows hold both RECIST axes)' };
  if (!lesion.pixelSpacing) return { reason: 'its pixel spacing is unknown' };
  if (slices.keyNumber === null) return { reason: 'its key slice is not in the library' };
  if (!slices.zSpacing) return { reason: 'the slice interval of its series is unknown' };
  if (!slices.imageSize) return { reason: 'its image size is unknown' };
  return { slices, keyNumber: slices.keyNumber, spacing: lesion.pixelSpacing, z: slices.zSpacing, size: slices.imageSize };
}

/**
 * The DeepLesion release layout: `DL_info.csv` with its 18 columns and `Images_png/<patient>_<study>_<series>/
 * <slice>.png`, 16-bit PNGs of HU + 32768, for the key slices and the slices of each row's Slice_range that are
 * in the library. Coarse_lesion_type carries the curated category's DeepLesion type (the taxonomy's mapping),
 * else the source's own type, else -1.
 */
export const deepLesionExporter: Exporter = {
  info: {
    name: 'deeplesion',
    label: 'DeepLesion',
    description: 'DL_info.csv (the release\'s 18 columns) and Images_png/ with 16-bit key and context slices (HU + 32768)',
    writesImages: true,
  },

  async write(ctx: ExportContext): Promise<void> {
    const rows: { file: string; line: string }[] = [];
    const coarse = { curated: 0, reference: 0, unlabelled: 0 };
    const unreadable: { lesionId: number; reason: string }[] = [];
    let contextSlices = 0;
    let done = 0;
    for (const item of ctx.items) {
      ctx.checkCancelled();
      ctx.progress(done++, ctx.items.length, `DeepLesion: lesion ${done} of ${ctx.items.length}`);
      const row = rowOf(item, ctx.naming.slicesOf(item));
      if ('reason' in row) {
        ctx.skip(item, row.reason);
        continue;
      }
      const { lesion } = item;
      const { slices, keyNumber, spacing, z, size } = row;
      const [patient, study, series] = slices.folder.split('_').map(Number) as [number, number, number];
      const type = coarseTypeOf(item);
      coarse[type.type === null ? 'unlabelled' : type.from!]++;
      const long = lesion.recist.longAxis;
      const short = lesion.recist.shortAxis!;
      const location = lesion.attributes.normalizedLocation;
      const window = windowOf(item, slices);
      const sexAttribute = lesion.attributes.sex;
      const sex = typeof sexAttribute === 'string' ? sexAttribute : (item.patient?.sex ?? null);
      const ageAttribute = lesion.attributes.age;
      const age = typeof ageAttribute === 'number' ? ageAttribute : ageInYears(item.study?.patientAge);
      const range = slices.range ?? [keyNumber, keyNumber];
      const fileName = `${slices.folder}_${sliceFileName(keyNumber)}`;
      rows.push({
        file: fileName,
        line: csvLine([
          fileName,
          patient,
          study,
          series,
          keyNumber,
          list([long[0].x, long[0].y, long[1].x, long[1].y, short[0].x, short[0].y, short[1].x, short[1].y]),
          list([lesion.box.x1, lesion.box.y1, lesion.box.x2, lesion.box.y2]),
          list(diametersOf(item)),
          Array.isArray(location) && location.length === 3 ? list(location as number[]) : '',
          type.type ?? -1,
          lesion.noisy ? 1 : 0,
          list(range),
          // the release's order: x (column) spacing, y (row) spacing, slice interval
          list([spacing[1], spacing[0], z]),
          list(size),
          window ? list(window) : '',
          sex === 'M' || sex === 'F' ? sex : '',
          age ?? 'NaN', // as the release writes an unknown age
          item.split ? SPLIT_CODES[item.split] : '',
        ]),
      });
      ctx.exported(item);
      for (const slice of slices.context) {
        ctx.checkCancelled();
        const path = `Images_png/${slices.folder}/${sliceFileName(slice.number)}`;
        const fresh = !ctx.folder.has(path);
        const written = await ctx.writeSlice(path, slice);
        if (written !== true) {
          if (slice === slices.key || slice.number === keyNumber) unreadable.push({ lesionId: lesion.id, reason: written });
        } else if (fresh && slice.number !== keyNumber) {
          contextSlices++;
        }
      }
    }
    rows.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    ctx.folder.write('DL_info.csv', csvLine(DEEPLESION_COLUMNS) + rows.map((r) => r.line).join(''));
    ctx.note('deeplesion', {
      pixelValues: `16-bit PNG, stored value = HU + ${DEEPLESION_HU_OFFSET}`,
      coordinates: 'pixels, (0, 0) at the centre of the top-left pixel, as in the release',
      coarseLesionType: { ...coarse, rule: "the curated category's DeepLesion type (categories.reference_type), else the source's type, else -1" },
      unknown: 'Patient_age NaN (as in the release) and empty Patient_gender, Normalized_lesion_location, DICOM_windows or Train_Val_Test where not known',
      contextSlices,
      keySlicesUnreadable: unreadable,
    });
  },
};
