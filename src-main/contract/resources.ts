/**
 * Binary resources (pixels, later thumbnails) travel outside the JSON RPC, at `resources/<path>` relative to
 * the page: `app://workstation/resources/...` in the desktop shell, `http://127.0.0.1:<port>/resources/...` in
 * the browser host.
 *
 * The contract holds types only (the renderer may import nothing else from here), so the encoder
 * (core/imaging/slice-pixels.ts) and the decoder (src-renderer/api/slice-pixels.ts) share this description
 * and a round-trip test.
 *
 * `slice/<instanceId>/<frame>` returns a SlicePixels container:
 *   bytes 0..3   ASCII "LWPX"
 *   bytes 4..7   uint32 little endian: length H of the JSON header
 *   bytes 8..8+H UTF-8 JSON `SlicePixelsHeader`
 *   then zero padding to a multiple of 8, then the pixel values (little endian, row-major, interleaved samples).
 */
export type SlicePixelType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'int32' | 'uint32' | 'float32';

export interface SlicePixelsHeader {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  pixelType: SlicePixelType;
  /** Stored values; modality value (HU for CT) = stored * rescaleSlope + rescaleIntercept. */
  rescaleSlope: number;
  rescaleIntercept: number;
  photometric: string;
  /** Smallest and largest stored value of the frame. */
  minStored: number;
  maxStored: number;
}

/**
 * `thumbnail/<lesionId>` and `thumbnail/<lesionId>/<window>` return a review thumbnail as PNG, in one of the
 * standard CT windows (soft tissue when none is named).
 */
export type ThumbnailWindow = 'soft-tissue' | 'lung' | 'bone' | 'liver';

export type ResourcePath = `slice/${number}/${number}` | `thumbnail/${number}` | `thumbnail/${number}/${ThumbnailWindow}`;
