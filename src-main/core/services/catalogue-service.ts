import type { CatalogueApi, CatalogueStats, PatientNode, SeriesDetail, SeriesNode, StudyNode } from '../../contract';
import type { Catalogue } from '../catalogue/catalogue';
import type { SeriesRow } from '../catalogue/series';
import { seriesSlices } from '../library/series-slices';

export class NotFoundError extends Error {}

function seriesNode(s: SeriesRow): SeriesNode {
  return {
    id: s.id,
    seriesInstanceUid: s.seriesInstanceUid,
    modality: s.modality,
    seriesNumber: s.seriesNumber,
    description: s.description,
    bodyPart: s.bodyPart,
    slices: s.slices,
    instances: s.instances,
  };
}

export function catalogueService(catalogue: Catalogue): CatalogueApi {
  return {
    async stats(): Promise<CatalogueStats> {
      return {
        patients: catalogue.patients.count(),
        studies: catalogue.studies.count(),
        series: catalogue.series.count(),
        instances: catalogue.instances.count(),
        rejectedFiles: catalogue.rejectedFiles.count(),
        lesions: catalogue.lesions.count(),
        lesionsBySource: catalogue.lesions.countBySource(),
        unresolvedLesions: catalogue.lesions.unresolvedCount(),
        seriesList: catalogue.series.list().map((s) => ({ seriesInstanceUid: s.seriesInstanceUid, modality: s.modality, slices: s.slices })),
      };
    },

    async libraryTree(): Promise<PatientNode[]> {
      const seriesByStudy = new Map<number, SeriesNode[]>();
      for (const s of catalogue.series.list()) {
        const list = seriesByStudy.get(s.studyRowId) ?? [];
        list.push(seriesNode(s));
        seriesByStudy.set(s.studyRowId, list);
      }
      const studiesByPatient = new Map<number, StudyNode[]>();
      for (const st of catalogue.studies.list()) {
        const list = studiesByPatient.get(st.patientRowId) ?? [];
        list.push({
          id: st.id,
          studyInstanceUid: st.studyInstanceUid,
          studyDate: st.studyDate,
          description: st.description,
          accessionNumber: st.accessionNumber,
          series: seriesByStudy.get(st.id) ?? [],
        });
        studiesByPatient.set(st.patientRowId, list);
      }
      return catalogue.patients.list().map((p) => ({
        id: p.id,
        patientId: p.patientId,
        name: p.name,
        birthDate: p.birthDate,
        sex: p.sex,
        studies: studiesByPatient.get(p.id) ?? [],
      }));
    },

    async seriesDetail(seriesId: number): Promise<SeriesDetail> {
      const series = catalogue.series.get(seriesId);
      if (!series) throw new NotFoundError(`no series ${seriesId}`);
      const study = catalogue.studies.get(series.studyRowId)!;
      const patient = catalogue.patients.list().find((p) => p.id === study.patientRowId);
      const instances = catalogue.instances.listBySeries(seriesId);
      const { slices, ordering } = seriesSlices(catalogue, seriesId);
      const thickness = instances.find((i) => i.sliceThickness !== null)?.sliceThickness ?? null;
      return {
        ...seriesNode(series),
        studyInstanceUid: study.studyInstanceUid,
        studyDate: study.studyDate,
        studyDescription: study.description,
        patientId: patient?.patientId ?? '',
        patientName: patient?.name ?? null,
        sliceThickness: thickness,
        ordering,
        sliceList: slices.map(({ filePath: _omit, ...slice }) => slice),
      };
    },

    async rejectedFiles(page) {
      return {
        total: catalogue.rejectedFiles.count(),
        items: catalogue.rejectedFiles.page(page.offset, page.limit),
      };
    },
  };
}
