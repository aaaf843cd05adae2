export type LesionSource = 'deeplesion' | 'dicom-sr' | 'presentation-state' | 'annotator' | 'detection';

/** Pixel coordinates: x = column, y = row, (0, 0) at the centre of the top-left pixel. */
export interface PointPx {
  x: number;
  y: number;
}

export interface RecistAxes {
  longAxis: [PointPx, PointPx];
  shortAxis: [PointPx, PointPx] | null;
}

export interface BoxPx {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export type Split = 'train' | 'val' | 'test';

export interface Lesion {
  id: number;
  seriesId: number | null;
  /** The key slice's instance; null while the image is not in the library. */
  instanceId: number | null;
  frame: number;
  /** What identifies the key slice in its source (a SOP Instance UID, or a DeepLesion slice). */
  keySliceRef: string;
  recist: RecistAxes;
  longAxisPx: number;
  shortAxisPx: number | null;
  longAxisMm: number | null;
  shortAxisMm: number | null;
  /** [row, column] mm per pixel the mm lengths were computed with. */
  pixelSpacing: [number, number] | null;
  box: BoxPx;
  source: LesionSource;
  sourceRef: string;
  /** A label from the source (DeepLesion coarse type 1..8), never the curated category. */
  referenceType: number | null;
  split: Split | null;
  noisy: boolean;
  attributes: Record<string, unknown>;
  /** The category annotators curated (null until one is given), and the review state. */
  categoryId: number | null;
  reviewStatus: 'unreviewed' | 'reviewed';
  flagged: boolean;
  reviewedBy: string | null;
  reviewedAt: string | null;
  /** Row version: pass it back when editing; a stale version is refused as a conflict. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface LesionQuery {
  seriesId?: number;
  instanceId?: number;
  source?: LesionSource;
  offset: number;
  limit: number;
}

export interface LesionPage {
  total: number;
  items: Lesion[];
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  entity: string;
  entityId: number | null;
  action: string;
  before: unknown;
  after: unknown;
}

export interface LesionsApi {
  list(query: LesionQuery): Promise<LesionPage>;
  get(lesionId: number): Promise<Lesion>;
  /** The lesions measured on any slice of a series (viewer overlays). */
  forSeries(seriesId: number): Promise<Lesion[]>;
  /** A measurement drawn by an annotator on a slice. */
  create(input: { instanceId: number; frame: number; recist: RecistAxes; actor: string }): Promise<Lesion>;
  /** Moves the axes; refused with a conflict when `version` is not the current one. */
  update(input: { lesionId: number; version: number; recist: RecistAxes; actor: string }): Promise<Lesion>;
  /** Deletes (reversibly: `restore` undoes it and the history stays). */
  remove(input: { lesionId: number; version: number; actor: string }): Promise<void>;
  restore(input: { lesionId: number; actor: string }): Promise<Lesion>;
  history(lesionId: number): Promise<AuditEntry[]>;
}
