import type { AuditEntry, ExportFormatInfo } from '../../contract';
import type { Catalogue } from '../catalogue/catalogue';
import type { PixelSourceCache } from '../imaging/pixel-sources';
import type { ExportFolder } from './export-folder';
import type { Pseudonymiser } from './privacy';
import type { ExportItem, TaxonomyCategory } from './selection';
import { slicePng, type ExportSlice, type PngConversionNotes, type SliceNaming } from './slices';

/** Everything an exporter works with; it writes files through `folder` only. */
export interface ExportContext {
  readonly catalogue: Catalogue;
  /** The selected lesions, in id order, with the split the export writes. */
  readonly items: readonly ExportItem[];
  readonly folder: ExportFolder;
  readonly privacy: Pseudonymiser;
  readonly naming: SliceNaming;
  readonly pixels: PixelSourceCache;
  /** The live categories, in the taxonomy's order. */
  readonly taxonomy: readonly TaxonomyCategory[];
  /** The clustering run whose clusters the items carry, or null. */
  readonly runId: number | null;
  readonly now: Date;
  /** Throws when the export was cancelled; call between files. */
  checkCancelled(): void;
  progress(done: number, total: number, message: string): void;
  /** The item is written (counted in the manifest). */
  exported(item: ExportItem): void;
  /** The item cannot be written in this format; the manifest lists it with the reason. */
  skip(item: ExportItem, reason: string): void;
  /** Format-specific facts for the manifest's notes. */
  note(key: string, value: unknown): void;
  /** Who drew a lesion (the audit's create entry) and who reviewed it. */
  peopleOf(item: ExportItem): { creator: string | null; reviewer: string | null };
  history(item: ExportItem): AuditEntry[];
  /** Writes a slice as a 16-bit PNG once (later calls for the same path do nothing); false when it cannot be read. */
  writeSlice(path: string, slice: ExportSlice): Promise<true | string>;
}

export interface Exporter {
  readonly info: ExportFormatInfo;
  write(ctx: ExportContext): Promise<void>;
}

/** DeepLesion's coarse type for a lesion: its curated category's, else the source's reference type. */
export function coarseTypeOf(item: ExportItem): { type: number | null; from: 'curated' | 'reference' | null } {
  if (item.category) return { type: item.category.referenceType, from: 'curated' };
  if (item.lesion.referenceType !== null) return { type: item.lesion.referenceType, from: 'reference' };
  return { type: null, from: null };
}

/** The taxonomy category a lesion is labelled with: its curated one, else the one its reference type maps to. */
export function effectiveCategory(item: ExportItem, taxonomy: readonly TaxonomyCategory[]): { category: TaxonomyCategory | null; from: 'curated' | 'reference' | null } {
  if (item.category) return { category: item.category, from: 'curated' };
  const mapped = item.lesion.referenceType === null ? undefined : taxonomy.find((c) => c.referenceType === item.lesion.referenceType);
  return mapped ? { category: mapped, from: 'reference' } : { category: null, from: null };
}

/** The default `writeSlice`: PNG conversion with a per-path memo. */
export function sliceWriter(folder: ExportFolder, pixels: PixelSourceCache, notes: PngConversionNotes) {
  const failed = new Map<string, string>();
  return async (path: string, slice: ExportSlice): Promise<true | string> => {
    if (folder.has(path)) return true;
    const known = failed.get(path);
    if (known) return known;
    let png: Uint8Array;
    try {
      png = await slicePng(pixels, slice.instance, slice.frame, notes);
    } catch (err) {
      const reason = `its image could not be read (${slice.instance.filePath}: ${err instanceof Error ? err.message : String(err)})`;
      failed.set(path, reason);
      return reason;
    }
    folder.write(path, png);
    return true;
  };
}

/** A number as text that reads back as the same double (shortest round-trip form). */
export function exactNumber(n: number): string {
  return Object.is(n, -0) ? '0' : String(n);
}
