import type { DecodedFrame } from '../library/dicom-pixels';
import { modalityValues } from '../library/dicom-pixels';
import { boxCenter, type Box } from '../mining/measurement';
import {
  checkSlice,
  checkWindow,
  type HuSlice,
  type HuWindow,
  physicalGrid,
  resampleInto,
  windowInto,
  windowName,
} from './resample';

export interface PatchSpec {
  /** Output side in pixels (e.g. 64). */
  sizePx: number;
  /** Physical size of one output pixel (e.g. 1.0): the patch covers sizePx * mmPerPixel mm whatever the scan. */
  mmPerPixel: number;
  /** e.g. lung -600/1500, soft tissue 40/400, bone 400/1800. */
  windows: readonly HuWindow[];
  /** Neighbouring slices on each side used as extra channels: 0, 1, 2... */
  contextSlices: number;
}

/**
 * The slices around the key slice, nearest first: `before[0]` is the slice just before the key slice in the
 * volume's order (geometry.ts `orderSlices`), `before[1]` the one before that; `after` likewise. Each must have
 * the key slice's rows, columns and spacing.
 */
export interface PatchNeighbours {
  before?: readonly HuSlice[];
  after?: readonly HuSlice[];
}

export interface Patch {
  /** The key slice resampled, sizePx * sizePx HU, row-major. */
  hu: Float32Array;
  /** C x sizePx x sizePx windowed values in [0, 1]; the order is that of `channelNames` (see extractPatch). */
  channels: Float32Array;
  channelNames: string[];
  sizePx: number;
  mmPerPixel: number;
}

/** A decoded single-sample frame as a slice of modality values (HU for CT). */
export function huSliceFromFrame(frame: DecodedFrame, pixelSpacing: readonly [number, number]): HuSlice {
  if (frame.samplesPerPixel !== 1) throw new RangeError(`a ${frame.samplesPerPixel}-sample frame has no HU`);
  return { rows: frame.rows, columns: frame.columns, pixelSpacing, hu: modalityValues(frame) };
}

/** Channel names of a spec, in channel order: `{window}@{offset}`, e.g. `lung@-1`, `lung@0`, `lung@+1`. */
export function patchChannelNames(spec: Pick<PatchSpec, 'windows' | 'contextSlices'>): string[] {
  const k = spec.contextSlices;
  const names: string[] = [];
  for (const w of spec.windows) {
    for (let offset = -k; offset <= k; offset++) names.push(`${windowName(w)}@${offset > 0 ? '+' : ''}${offset}`);
  }
  return names;
}

function sameGeometry(a: HuSlice, b: HuSlice): boolean {
  return (
    a.rows === b.rows &&
    a.columns === b.columns &&
    Math.abs(a.pixelSpacing[0] - b.pixelSpacing[0]) < 1e-3 &&
    Math.abs(a.pixelSpacing[1] - b.pixelSpacing[1]) < 1e-3
  );
}

/**
 * The slice at `offset` from the key slice (negative: before). Where the volume ends (its first or last
 * slices), the nearest available slice on that side is repeated, the key slice itself when there is none.
 */
function sliceAtOffset(key: HuSlice, neighbours: PatchNeighbours, offset: number): HuSlice {
  if (offset === 0) return key;
  const side = (offset < 0 ? neighbours.before : neighbours.after) ?? [];
  const distance = Math.abs(offset);
  if (side.length === 0) return key;
  return side[Math.min(distance, side.length) - 1]!;
}

/**
 * A fixed-size, fixed-physical-size crop around a lesion box, centred on the box centre, bilinearly resampled
 * to sizePx x sizePx pixels of mmPerPixel mm (physicalGrid in resample.ts). Beyond the image the patch is air
 * (OUTSIDE_HU = -1024).
 *
 * Channel order: window-major, then slice from the farthest before to the farthest after. With W windows and
 * k = contextSlices, channel c = w * (2k + 1) + (offset + k) holds window w of the slice at `offset`
 * (-k .. k, 0 the key slice). Missing neighbours repeat the nearest available slice (sliceAtOffset).
 */
export function extractPatch(slice: HuSlice, box: Box, spec: PatchSpec, neighbours: PatchNeighbours = {}): Patch {
  checkSlice(slice, 'key slice');
  const k = spec.contextSlices;
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`contextSlices must be a non-negative integer (got ${k})`);
  if (spec.windows.length === 0) throw new RangeError('at least one window is needed');
  spec.windows.forEach(checkWindow);
  for (const [side, list] of [['before', neighbours.before], ['after', neighbours.after]] as const) {
    (list ?? []).forEach((s, n) => {
      checkSlice(s, `${side}[${n}]`);
      if (!sameGeometry(slice, s)) throw new RangeError(`${side}[${n}] does not have the key slice's geometry`);
    });
  }

  const grid = physicalGrid(slice, boxCenter(box), spec.sizePx, spec.mmPerPixel);
  const area = spec.sizePx * spec.sizePx;
  const hu = resampleInto(slice, grid, new Float32Array(area));

  // each distinct source slice is resampled once, even when an edge slice stands in for several offsets
  const resampled = new Map<HuSlice, Float32Array>([[slice, hu]]);
  const stack: Float32Array[] = [];
  for (let offset = -k; offset <= k; offset++) {
    const source = sliceAtOffset(slice, neighbours, offset);
    let values = resampled.get(source);
    if (!values) {
      values = resampleInto(source, grid, new Float32Array(area));
      resampled.set(source, values);
    }
    stack.push(values);
  }

  const channels = new Float32Array(spec.windows.length * stack.length * area);
  let c = 0;
  for (const w of spec.windows) {
    for (const values of stack) windowInto(values, w, channels, c++ * area);
  }
  return { hu, channels, channelNames: patchChannelNames(spec), sizePx: spec.sizePx, mmPerPixel: spec.mmPerPixel };
}
