// The parts of dcmjs (no bundled types) that the measurement readers and their tests use.
declare module 'dcmjs' {
  /** A dataset in dcmjs's "naturalized" form: keywords as keys, sequences as arrays of datasets. */
  export type NaturalizedDataset = Record<string, unknown>;

  export class DicomDict {
    constructor(meta: Record<string, unknown>);
    meta: Record<string, unknown>;
    dict: Record<string, unknown>;
    write(options?: { allowInvalidVRLength?: boolean }): ArrayBuffer;
  }

  export interface ReadFileOptions {
    ignoreErrors?: boolean;
    /** A tag as 8 upper-case hex digits ("7FE00010"): reading stops there. */
    untilTag?: string | null;
    includeUntilTagValue?: boolean;
    noCopy?: boolean;
    forceStoreRaw?: boolean;
  }

  export const data: {
    DicomDict: typeof DicomDict;
    DicomMessage: {
      readFile(buffer: ArrayBuffer, options?: ReadFileOptions): DicomDict;
    };
    DicomMetaDictionary: {
      naturalizeDataset(dict: Record<string, unknown>): NaturalizedDataset;
      denaturalizeDataset(dataset: NaturalizedDataset): Record<string, unknown>;
    };
    /** Writes a naturalized dataset (with a `_meta` member, possibly empty) as a Part 10 file. */
    datasetToBuffer(dataset: NaturalizedDataset): Buffer;
  };

  const dcmjs: { data: typeof data };
  export default dcmjs;
}
