import type { SliceInfo } from '@contract';
import { cache, Enums, imageLoader, init as coreInit, metaData, utilities, type Types } from '@cornerstonejs/core';
import {
  addTool,
  BidirectionalTool,
  init as toolsInit,
  PanTool,
  StackScrollTool,
  WindowLevelTool,
  ZoomTool,
} from '@cornerstonejs/tools';
import { fetchSlice } from '../../../api';

/**
 * cornerstone3D fed with pixels the core decoded: a `lw:` image loader fetches our SlicePixels resource and
 * a metadata provider answers from the catalogue's slice geometry. cornerstone never parses DICOM here.
 */

export const IMAGE_SCHEME = 'lw';

interface SliceMeta {
  slice: SliceInfo;
  modality: string | null;
  frameOfReferenceUid: string;
  index: number;
}

const sliceMeta = new Map<string, SliceMeta>();

export function imageIdOf(slice: Pick<SliceInfo, 'instanceId' | 'frame'>): string {
  return `${IMAGE_SCHEME}:${slice.instanceId}:${slice.frame}`;
}

/** Registers the geometry of a series' slices so the metadata provider can answer for their image ids. */
export function registerSeriesSlices(slices: readonly SliceInfo[], modality: string | null, seriesUid: string): string[] {
  return slices.map((slice, index) => {
    const id = imageIdOf(slice);
    sliceMeta.set(id, { slice, modality, frameOfReferenceUid: seriesUid, index });
    return id;
  });
}

const defaultOrientation: SliceInfo['imageOrientation'] = [1, 0, 0, 0, 1, 0];

function metadataProvider(type: string, imageId: string): unknown {
  const meta = sliceMeta.get(imageId);
  if (!meta) return undefined;
  const { slice } = meta;
  const orientation = slice.imageOrientation ?? defaultOrientation!;
  const spacing = slice.pixelSpacing ?? [1, 1];
  // Images without geometry (secondary captures, US) get a synthetic stack position so scrolling still works.
  const position = slice.imagePosition ?? [0, 0, -meta.index];
  switch (type) {
    case 'imagePlaneModule':
      return {
        frameOfReferenceUID: meta.frameOfReferenceUid,
        rows: slice.rows,
        columns: slice.columns,
        imageOrientationPatient: orientation,
        rowCosines: orientation.slice(0, 3),
        columnCosines: orientation.slice(3, 6),
        imagePositionPatient: position,
        pixelSpacing: spacing,
        rowPixelSpacing: spacing[0],
        columnPixelSpacing: spacing[1],
        usingDefaultValues: !slice.pixelSpacing,
      };
    case 'imagePixelModule':
      return {
        samplesPerPixel: 1,
        photometricInterpretation: 'MONOCHROME2',
        rows: slice.rows,
        columns: slice.columns,
        bitsAllocated: 16,
        bitsStored: 16,
        highBit: 15,
        pixelRepresentation: 1,
      };
    case 'generalSeriesModule':
      return { modality: meta.modality ?? 'OT', seriesInstanceUID: meta.frameOfReferenceUid };
    case 'generalImageModule':
      return { instanceNumber: slice.instanceNumber ?? meta.index + 1 };
    case 'modalityLutModule':
      return { rescaleSlope: slice.rescaleSlope, rescaleIntercept: slice.rescaleIntercept, rescaleType: meta.modality === 'CT' ? 'HU' : 'US' };
    case 'voiLutModule': {
      const w = slice.windows[0];
      return w ? { windowCenter: [w.center], windowWidth: [w.width] } : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * Builds a cornerstone image from our pixels. Values are converted to modality units (HU) here, so the
 * viewport, the windows and the tools all work in HU (rescale slope 1, intercept 0 towards cornerstone).
 */
function loadImage(imageId: string) {
  const promise = (async (): Promise<Types.IImage> => {
    const meta = sliceMeta.get(imageId);
    if (!meta) throw new Error(`unknown image ${imageId}`);
    const { header, pixels } = await fetchSlice(meta.slice.instanceId, meta.slice.frame);
    const color = header.samplesPerPixel === 3;
    const count = header.rows * header.columns;
    let data: Float32Array | Uint8Array;
    let min = Infinity;
    let max = -Infinity;
    if (color) {
      data = Uint8Array.from(pixels as ArrayLike<number>);
      min = 0;
      max = 255;
    } else {
      data = new Float32Array(count);
      const invert = header.photometric === 'MONOCHROME1';
      for (let i = 0; i < count; i++) {
        let v = pixels[i]! * header.rescaleSlope + header.rescaleIntercept;
        if (invert) v = -v;
        data[i] = v;
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    const voxelManager = utilities.VoxelManager.createImageVoxelManager({
      width: header.columns,
      height: header.rows,
      numberOfComponents: color ? 3 : 1,
      scalarData: data,
      id: imageId,
    });
    const spacing = meta.slice.pixelSpacing ?? [1, 1];
    const preset = meta.slice.windows[0];
    return {
      imageId,
      dataType: color ? 'Uint8Array' : 'Float32Array',
      color,
      rgba: false,
      numberOfComponents: color ? 3 : 1,
      rows: header.rows,
      columns: header.columns,
      height: header.rows,
      width: header.columns,
      rowPixelSpacing: spacing[0],
      columnPixelSpacing: spacing[1],
      slope: 1,
      intercept: 0,
      minPixelValue: min,
      maxPixelValue: max,
      windowCenter: preset?.center ?? (min + max) / 2,
      windowWidth: preset?.width ?? Math.max(1, max - min),
      voiLUTFunction: Enums.VOILUTFunctionType.LINEAR,
      invert: false,
      photometricInterpretation: color ? 'RGB' : 'MONOCHROME2',
      getPixelData: () => voxelManager.getScalarData() as Float32Array,
      getCanvas: undefined as unknown as () => HTMLCanvasElement,
      voxelManager,
      sizeInBytes: data.byteLength,
    } as Types.IImage;
  })();
  return { promise };
}

let initialised = false;

export function initCornerstone(): void {
  if (initialised) return;
  initialised = true;
  coreInit();
  toolsInit();
  metaData.addProvider(metadataProvider, 10000);
  imageLoader.registerImageLoader(IMAGE_SCHEME, loadImage as unknown as Types.ImageLoaderFn);
  for (const tool of [WindowLevelTool, StackScrollTool, PanTool, ZoomTool, BidirectionalTool]) addTool(tool);
}

/** Modality value (HU) of the displayed image at a canvas point, or null outside the image. */
export function valueAtCanvasPoint(viewport: Types.IStackViewport, point: Types.Point2): { value: number; i: number; j: number } | null {
  const image = cache.getImage(viewport.getCurrentImageId());
  if (!image || image.color) return null;
  const world = viewport.canvasToWorld(point);
  const { imageData } = viewport.getImageData();
  const [i, j] = utilities.transformWorldToIndex(imageData, world) as [number, number, number];
  if (i < 0 || j < 0 || i >= image.columns || j >= image.rows) return null;
  return { value: image.getPixelData()[j * image.columns + i]!, i, j };
}
