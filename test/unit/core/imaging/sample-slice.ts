import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { huSliceFromFrame } from '../../../../src-main/core/imaging/patch';
import type { HuSlice } from '../../../../src-main/core/imaging/resample';
import { readDicomHeader } from '../../../../src-main/core/library/dicom-header';
import { DicomPixelSource } from '../../../../src-main/core/library/dicom-pixels';
import { sampleLibrary } from '../../../helpers/data';

function findFile(dir: string, name: string): string | null {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      const found = findFile(path, name);
      if (found) return found;
    } else if (e.name === name) return path;
  }
  return null;
}

/** Slice 15 of the bundled chest CT (Lung_Dx-A0002), in HU. */
export async function sampleSlice(name = '1-15.dcm'): Promise<HuSlice> {
  const path = findFile(sampleLibrary, name);
  if (!path) throw new Error(`${name} not found under ${sampleLibrary}`);
  const bytes = readFileSync(path);
  const header = readDicomHeader(bytes, statSync(path).size);
  if (!header.ok) throw new Error(header.reason);
  const spacing = header.header.instance.pixelSpacing;
  if (!spacing) throw new Error('no pixel spacing');
  return huSliceFromFrame(await new DicomPixelSource(bytes).decodeFrame(0), [spacing[0]!, spacing[1]!]);
}
