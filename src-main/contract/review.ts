import type { BoxPx, LesionSource, Split } from './lesions';

export interface Category {
  id: number;
  name: string;
  /** #rrggbb */
  colour: string;
  /** The key that assigns it in the gallery. */
  shortcut: string | null;
  description: string;
  /** DeepLesion coarse type it exports as, or null. */
  referenceType: number | null;
  position: number;
  version: number;
  /** Lesions with this category now. */
  lesions: number;
}

export type ReviewStatus = 'unreviewed' | 'reviewed';

/** The reviewable part of a lesion. */
export interface ReviewState {
  id: number;
  categoryId: number | null;
  reviewStatus: ReviewStatus;
  flagged: boolean;
}

/** A change applied to several lesions at once; fields left out are kept. */
export interface ReviewChange {
  categoryId?: number | null;
  reviewed?: boolean;
  flagged?: boolean;
}

export interface ReviewFilter {
  /** A clustering run (default: the current one) and one of its clusters. */
  runId?: number;
  cluster?: number;
  /** A category, or 'none' for lesions without one. */
  categoryId?: number | 'none';
  source?: LesionSource;
  split?: Split;
  minMm?: number;
  maxMm?: number;
  review?: ReviewStatus;
  flagged?: boolean;
  /** Lesions whose category differs from their cluster's named category (the model and the annotator disagree). */
  disagreement?: boolean;
  hasImage?: boolean;
  /** A selection made elsewhere (the map's lasso, the board). */
  lesionIds?: number[];
}

/** distance: nearest the cluster centre first; uncertainty: distance relative to the cluster's median, least sure first. */
export type ReviewSort = 'distance' | 'uncertainty' | 'size' | 'id';

export interface GalleryItem extends ReviewState {
  version: number;
  /** The key-slice box, in pixels (the thumbnail's cache key). */
  box: BoxPx;
  longAxisMm: number | null;
  shortAxisMm: number | null;
  source: LesionSource;
  split: Split | null;
  referenceType: number | null;
  hasImage: boolean;
  seriesId: number | null;
  cluster: number | null;
  distance: number | null;
  /** distance / the cluster's median distance: above 1 means less typical of its cluster than most. */
  uncertainty: number | null;
}

export interface ReviewSessionSummary {
  actor: string;
  since: string;
  /** Lesions marked reviewed in the session. */
  reviewed: number;
  /** Lesions whose category changed in the session. */
  categoriesChanged: number;
  /** Every lesion edit (drawn, moved, categorised, flagged, deleted) in the session. */
  changes: number;
  /** From the first to the last change, in minutes. */
  activeMinutes: number;
}

/** The review state of many lesions in parallel arrays (compact enough for a 30,000-point map). */
export interface ReviewStates {
  lesionIds: number[];
  categoryIds: (number | null)[];
  reviewed: boolean[];
  flagged: boolean[];
}

export interface ReviewApi {
  categories(): Promise<Category[]>;
  createCategory(input: { name: string; colour: string; shortcut: string | null; description?: string; actor: string }): Promise<Category>;
  updateCategory(input: { id: number; version: number; name?: string; colour?: string; shortcut?: string | null; description?: string; actor: string }): Promise<Category>;
  /** Moves every lesion of `from` into `into` (each lesion's history records it) and retires `from`. */
  mergeCategories(input: { from: number; into: number; actor: string }): Promise<{ moved: number }>;
  /** Lesion ids matching a filter, sorted; pages for the gallery. */
  query(input: { filter: ReviewFilter; sort: ReviewSort; descending?: boolean; offset: number; limit: number }): Promise<{ total: number; ids: number[] }>;
  items(lesionIds: number[]): Promise<GalleryItem[]>;
  /**
   * Applies a change to lesions, saved at once and audited. With `versions`, a lesion changed elsewhere since it was
   * read is refused as a conflict (nothing is written then). Returns the states before, for undo.
   */
  apply(input: { lesionIds: number[]; change: ReviewChange; actor: string; versions?: Record<string, number> }): Promise<{ before: ReviewState[]; after: GalleryItem[] }>;
  /** Puts lesions back into given states (undo, redo); with `versions`, a lesion changed elsewhere since is a conflict. */
  restore(input: { states: ReviewState[]; actor: string; versions?: Record<string, number>; action?: 'undo' | 'redo' }): Promise<GalleryItem[]>;
  /** Names a cluster: its unreviewed members get the category. Returns the states before, for undo. */
  nameCluster(input: { runId: number; cluster: number; categoryId: number; actor: string }): Promise<{ before: ReviewState[]; changed: number }>;
  sessionSummary(input: { actor: string; since: string }): Promise<ReviewSessionSummary>;
  /** Category and review status of the given lesions (default: every lesion). */
  states(input: { lesionIds?: number[] }): Promise<ReviewStates>;
}
