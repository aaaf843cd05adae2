import { encode } from 'fast-png';
import type { Catalogue } from '../catalogue/catalogue';
import type { InstanceRow } from '../catalogue/instances';
import type { PixelSourceCache } from '../imaging/pixel-sources';
import { DEEPLESION_HU_OFFSET, parseDeepLesionSliceKey } from '../library/deeplesion';
import { seriesSlices, type SeriesSlice } from '../library/series-slices';
import type { Pseudonymiser } from './privacy';
import type { ExportItem } from './selection';

/** DeepLesion gives the slices within 30 mm of the key slice on each side as its 3D context. */
export const CONTEXT_MM = 30;

/** A slice written to the export: its instance and frame, and its number in the export's series folder. */
export interface ExportSlice {
  instance: InstanceRow;
  frame: number;
  number: number;
}

/** Where a lesion's slices go in the DeepLesion layout, and what is known of its volume. */
export interface LesionSlices {
  /** `<patient:6>_<study:2>_<series:2>`. */
  folder: string;
  /** The key slice's number in the folder; null when it cannot be told (the image left the library). */
  keyNumber: number | null;
  /** The key slice, when its image is in the library. */
  key: ExportSlice | null;
  /** DeepLesion's Slice_range: the key slice's 3D context, as slice numbers. */
  range: [number, number] | null;
  /** The slices of the range that are in the library and share the key slice's grid (the key included). */
  context: ExportSlice[];
  /** Slice interval in mm. */
  zSpacing: number | null;
  /** [width, height] in pixels. */
  imageSize: [number, number] | null;
}

const DEEPLESION_SERIES = /^deeplesion:(\d{6})_(\d{2})_(\d{2})$/;

const pad = (n: number, width: number) => String(n).padStart(width, '0');

export function sliceFileName(slice: number): string {
  return `${pad(slice, 3)}.png`;
}

function median(values: number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Names the exported series folders as DeepLesion does (patient, study and series indices) and numbers their
 * slices. DeepLesion series keep their indices and slice numbers (unless the export is pseudonymised, which
 * renumbers every patient); DICOM series get the next free patient indices and their slices are numbered 1..n
 * in display order, so a key slice's neighbours are its numbers ± 1.
 */
export class SliceNaming {
  private readonly folders = new Map<number, string>();
  private readonly dicomSlices = new Map<number, { slices: SeriesSlice[]; zSpacing: number | null }>();
  private readonly deepLesionSlices = new Map<number, Map<number, InstanceRow>>();

  constructor(
    private readonly catalogue: Catalogue,
    items: readonly ExportItem[],
    privacy: Pseudonymiser,
  ) {
    const keepDeepLesion = !privacy.active;
    const patients = new Map<string, { fixed: number | null; studies: Map<number, ExportItem[]> }>();
    for (const item of items) {
      if (!item.series || !item.study) continue;
      const fixed = keepDeepLesion ? DEEPLESION_SERIES.exec(item.series.seriesInstanceUid) : null;
      const p = patients.get(item.patientKey) ?? { fixed: null, studies: new Map<number, ExportItem[]>() };
      if (fixed) {
        p.fixed = Number(fixed[1]);
        this.folders.set(item.series.id, `${fixed[1]}_${fixed[2]}_${fixed[3]}`);
      }
      const list = p.studies.get(item.study.id) ?? [];
      list.push(item);
      p.studies.set(item.study.id, list);
      patients.set(item.patientKey, p);
    }
    let next = Math.max(0, ...[...patients.values()].map((p) => p.fixed ?? 0));
    const order = [...patients.keys()]
      .filter((key) => patients.get(key)!.fixed === null)
      .sort((a, b) => (privacy.active ? privacy.patientRank(a) - privacy.patientRank(b) : 0) || (a < b ? -1 : a > b ? 1 : 0));
    for (const key of order) {
      const patientIndex = ++next;
      const studies = [...patients.get(key)!.studies.values()].sort((a, b) => {
        const sa = a[0]!.study!;
        const sb = b[0]!.study!;
        return (sa.studyDate ?? '').localeCompare(sb.studyDate ?? '') || sa.studyInstanceUid.localeCompare(sb.studyInstanceUid);
      });
      studies.forEach((studyItems, s) => {
        const series = [...new Map(studyItems.map((i) => [i.series!.id, i.series!])).values()].sort(
          (a, b) => (a.seriesNumber ?? 0) - (b.seriesNumber ?? 0) || a.seriesInstanceUid.localeCompare(b.seriesInstanceUid),
        );
        series.forEach((row, r) => this.folders.set(row.id, `${pad(patientIndex, 6)}_${pad(s + 1, 2)}_${pad(r + 1, 2)}`));
      });
    }
  }

  /** The series folder of a lesion, or null when its series is unknown. */
  folderOf(item: ExportItem): string | null {
    return item.series ? (this.folders.get(item.series.id) ?? null) : null;
  }

  /** `<patient>_<study>` of a lesion's study, for per-study files. */
  studyKeyOf(item: ExportItem): string | null {
    return this.folderOf(item)?.slice(0, 9) ?? null;
  }

  slicesOf(item: ExportItem): LesionSlices | null {
    const folder = this.folderOf(item);
    if (!folder || !item.series) return null;
    return DEEPLESION_SERIES.test(item.series.seriesInstanceUid) ? this.deepLesionSeries(item, folder) : this.dicomSeries(item, folder);
  }

  private deepLesionSeries(item: ExportItem, folder: string): LesionSlices {
    const { lesion } = item;
    let byNumber = this.deepLesionSlices.get(item.series!.id);
    if (!byNumber) {
      byNumber = new Map();
      for (const instance of this.catalogue.instances.listBySeries(item.series!.id)) {
        const slice = parseDeepLesionSliceKey(instance.sopInstanceUid);
        if (slice && instance.frames > 0) byNumber.set(slice.slice, instance);
      }
      this.deepLesionSlices.set(item.series!.id, byNumber);
    }
    const keyNumber = parseDeepLesionSliceKey(lesion.keySliceRef)?.slice ?? null;
    const keyInstance = lesion.instanceId === null ? null : (this.catalogue.instances.get(lesion.instanceId) ?? null);
    const a = lesion.attributes as { sliceRange?: unknown; sliceIntervalMm?: unknown; imageSize?: unknown };
    const zSpacing = typeof a.sliceIntervalMm === 'number' ? a.sliceIntervalMm : (keyInstance?.spacingBetweenSlices ?? keyInstance?.sliceThickness ?? null);
    const imageSize: [number, number] | null =
      keyInstance?.columns && keyInstance.rows
        ? [keyInstance.columns, keyInstance.rows]
        : Array.isArray(a.imageSize) && a.imageSize.length === 2
          ? (a.imageSize as [number, number])
          : null;
    let range: [number, number] | null = null;
    if (Array.isArray(a.sliceRange) && a.sliceRange.length === 2 && a.sliceRange.every((v) => Number.isInteger(v))) {
      range = a.sliceRange as [number, number];
    } else if (keyNumber !== null && zSpacing) {
      const k = Math.floor(CONTEXT_MM / zSpacing + 1e-9);
      range = [Math.max(1, keyNumber - k), keyNumber + k];
    }
    const key = keyInstance && keyNumber !== null ? { instance: keyInstance, frame: lesion.frame, number: keyNumber } : null;
    const context: ExportSlice[] = [];
    if (key && range) {
      for (let n = range[0]; n <= range[1]; n++) {
        const instance = n === keyNumber ? keyInstance : byNumber.get(n);
        if (instance && instance.rows === keyInstance!.rows && instance.columns === keyInstance!.columns) context.push({ instance, frame: 0, number: n });
      }
    } else if (key) {
      context.push(key);
    }
    return { folder, keyNumber, key, range, context, zSpacing, imageSize };
  }

  private dicomSeries(item: ExportItem, folder: string): LesionSlices {
    const { lesion } = item;
    let series = this.dicomSlices.get(item.series!.id);
    if (!series) {
      const { slices } = seriesSlices(this.catalogue, item.series!.id);
      const steps: number[] = [];
      for (let i = 1; i < slices.length; i++) {
        const a = slices[i - 1]!.position;
        const b = slices[i]!.position;
        if (a !== null && b !== null && Math.abs(b - a) > 1e-6) steps.push(Math.abs(b - a));
      }
      series = { slices, zSpacing: median(steps) };
      this.dicomSlices.set(item.series!.id, series);
    }
    const at = series.slices.findIndex((s) => s.instanceId === lesion.instanceId && s.frame === lesion.frame);
    const keyInstance = at >= 0 ? (this.catalogue.instances.get(lesion.instanceId!) ?? null) : null;
    const zSpacing = series.zSpacing ?? keyInstance?.spacingBetweenSlices ?? keyInstance?.sliceThickness ?? null;
    if (at < 0 || !keyInstance) return { folder, keyNumber: null, key: null, range: null, context: [], zSpacing, imageSize: null };
    const key: ExportSlice = { instance: keyInstance, frame: lesion.frame, number: at + 1 };
    const k = zSpacing ? Math.floor(CONTEXT_MM / zSpacing + 1e-9) : 0;
    const from = Math.max(0, at - k);
    const to = Math.min(series.slices.length - 1, at + k);
    const context: ExportSlice[] = [];
    const keySlice = series.slices[at]!;
    for (let i = from; i <= to; i++) {
      const s = series.slices[i]!;
      const sameGrid = s.rows === keySlice.rows && s.columns === keySlice.columns && String(s.pixelSpacing) === String(keySlice.pixelSpacing);
      if (!sameGrid) continue;
      const instance = i === at ? keyInstance : this.catalogue.instances.get(s.instanceId);
      if (instance) context.push({ instance, frame: s.frame, number: i + 1 });
    }
    return {
      folder,
      keyNumber: at + 1,
      key,
      range: [from + 1, to + 1],
      context,
      zSpacing,
      imageSize: keyInstance.columns && keyInstance.rows ? [keyInstance.columns, keyInstance.rows] : null,
    };
  }
}

/** Pixel values changed on the way into a PNG (non-integer HU rounded, HU outside the 16-bit range clipped). */
export interface PngConversionNotes {
  rounded: number;
  clipped: number;
}

/**
 * A slice as DeepLesion stores it: a 16-bit greyscale PNG of HU + 32768. DeepLesion PNGs come out with the same
 * pixel values; DICOM slices are converted with their rescale (HU = stored × slope + intercept).
 */
export async function slicePng(sources: PixelSourceCache, instance: InstanceRow, frame: number, notes?: PngConversionNotes): Promise<Uint8Array> {
  const decoded = await (await sources.open(instance)).decodeFrame(frame);
  if (decoded.samplesPerPixel !== 1) throw new Error(`a ${decoded.samplesPerPixel}-sample (colour) image, not a greyscale CT slice`);
  const { stored, rescaleSlope: slope, rescaleIntercept: intercept } = decoded;
  const data = new Uint16Array(stored.length);
  for (let i = 0; i < stored.length; i++) {
    const hu = stored[i]! * slope + intercept;
    let v = Math.round(hu) + DEEPLESION_HU_OFFSET;
    if (notes && v - DEEPLESION_HU_OFFSET !== hu) notes.rounded++;
    if (v < 0 || v > 65535) {
      v = v < 0 ? 0 : 65535;
      if (notes) notes.clipped++;
    }
    data[i] = v;
  }
  return encode({ width: decoded.columns, height: decoded.rows, data, depth: 16, channels: 1 });
}
