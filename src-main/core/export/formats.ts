import type { ExportFormatInfo, ExportFormatName } from '../../contract';
import { cocoExporter } from './coco-exporter';
import { csvExporter } from './csv-exporter';
import { deepLesionExporter } from './deeplesion-exporter';
import { dicomSrExporter } from './dicom-sr-exporter';
import type { Exporter } from './exporter';

/** Exporters by name: adding a format is one file and one line here. */
export const exporters: Readonly<Record<ExportFormatName, Exporter>> = {
  deeplesion: deepLesionExporter,
  coco: cocoExporter,
  csv: csvExporter,
  'dicom-sr': dicomSrExporter,
};

export const EXPORT_FORMAT_NAMES = Object.keys(exporters) as ExportFormatName[];

export function exportFormats(): ExportFormatInfo[] {
  return EXPORT_FORMAT_NAMES.map((name) => ({ ...exporters[name].info }));
}

export function exporterFor(name: string): Exporter {
  if (!Object.hasOwn(exporters, name)) throw new Error(`no export format "${name}" (formats: ${EXPORT_FORMAT_NAMES.join(', ')})`);
  return exporters[name as ExportFormatName];
}
