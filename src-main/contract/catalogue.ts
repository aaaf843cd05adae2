export interface CatalogueCounts {
  patients: number;
  studies: number;
  series: number;
  instances: number;
}

export interface SeriesSliceCount {
  seriesInstanceUid: string;
  modality: string | null;
  slices: number;
}

export interface CatalogueStats extends CatalogueCounts {
  rejectedFiles: number;
  lesions: number;
  /** Lesions per source: deeplesion, dicom-sr, presentation-state, annotator, detection */
  lesionsBySource: Record<string, number>;
  /** Lesions whose key slice is not in the library (yet). */
  unresolvedLesions: number;
  seriesList: SeriesSliceCount[];
}

export interface SeriesNode {
  id: number;
  seriesInstanceUid: string;
  modality: string | null;
  seriesNumber: number | null;
  description: string | null;
  bodyPart: string | null;
  /** Image frames in the series (what the viewer scrolls through). */
  slices: number;
  /** DICOM objects in the series, images or not. */
  instances: number;
}

export interface StudyNode {
  id: number;
  studyInstanceUid: string;
  studyDate: string | null;
  description: string | null;
  accessionNumber: string | null;
  series: SeriesNode[];
}

export interface PatientNode {
  id: number;
  patientId: string;
  name: string | null;
  birthDate: string | null;
  sex: string | null;
  studies: StudyNode[];
}

export interface WindowPreset {
  name: string;
  center: number;
  width: number;
}

/** One scrollable slice of a series, in display order. */
export interface SliceInfo {
  instanceId: number;
  frame: number;
  sopInstanceUid: string;
  instanceNumber: number | null;
  /** Position along the slice normal in mm; null when the image has no geometry. */
  position: number | null;
  /** ImagePositionPatient (mm) of the frame's first pixel, when known. */
  imagePosition: [number, number, number] | null;
  /** ImageOrientationPatient: row then column direction cosines, when known. */
  imageOrientation: [number, number, number, number, number, number] | null;
  rows: number;
  columns: number;
  /** [row spacing, column spacing] in mm. */
  pixelSpacing: [number, number] | null;
  rescaleSlope: number;
  rescaleIntercept: number;
  windows: WindowPreset[];
}

export interface SeriesDetail extends SeriesNode {
  studyInstanceUid: string;
  studyDate: string | null;
  studyDescription: string | null;
  patientId: string;
  patientName: string | null;
  sliceThickness: number | null;
  /** How the slices were ordered: along the normal, by instance number, or by file name. */
  ordering: 'position' | 'instance-number' | 'file-name';
  sliceList: SliceInfo[];
}

export interface RejectedFilesPage {
  total: number;
  items: { path: string; reason: string; rejectedAt: string }[];
}

export interface CatalogueApi {
  stats(): Promise<CatalogueStats>;
  /** Patients, their studies and series, for the library view. */
  libraryTree(): Promise<PatientNode[]>;
  seriesDetail(seriesId: number): Promise<SeriesDetail>;
  rejectedFiles(page: { offset: number; limit: number }): Promise<RejectedFilesPage>;
}
