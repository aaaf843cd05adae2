import dcmjs from 'dcmjs';
import { createHash, randomUUID } from 'node:crypto';
import type { Segment } from '../mining/measurement';
import { toDicomScoord } from '../mining/measurement';
import { ageInYears } from './deeplesion-exporter';
import { effectiveCategory, type ExportContext, type Exporter } from './exporter';
import { BASIC_PROFILE, RETAIN_PATIENT_CHARACTERISTICS } from './privacy';
import type { ExportItem } from './selection';

type Dataset = Record<string, unknown>;

export const ENHANCED_SR_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.88.22';
const CT_IMAGE_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.2';
const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
/** The private coding scheme of the taxonomy's categories (99 marks a local scheme, PS3.16 8.2). */
export const TAXONOMY_SCHEME = '99LESIONWS';

const code = (value: string, scheme: string, meaning: string): Dataset[] => [{ CodeValue: value, CodingSchemeDesignator: scheme, CodeMeaning: meaning }];
const LONG_AXIS = code('103339001', 'SCT', 'Long Axis');
const SHORT_AXIS = code('103340004', 'SCT', 'Short Axis');
const MM = code('mm', 'UCUM', 'millimeter');
const PIXELS = code('{pixels}', 'UCUM', 'pixels');

/** `2.25.<128-bit integer>` from a UUID (PS3.5 B.2), or from a hash when it must be the same every time. */
function uuidUid(seed?: string): string {
  const hex = seed ? createHash('sha256').update(seed).digest('hex').slice(0, 32) : randomUUID().replace(/-/g, '');
  return `2.25.${BigInt(`0x${hex}`).toString()}`;
}

/** A decimal string (DS) of at most 16 characters; FloatingPointValue carries the exact value beside it. */
export function decimalString(n: number): string {
  let text = String(n);
  for (let digits = 15; text.length > 16 && digits > 0; digits--) text = String(Number(n.toPrecision(digits)));
  return text;
}

function da(d: Date): string {
  return d.toISOString().slice(0, 10).replace(/-/g, '');
}

function tm(d: Date): string {
  return d.toISOString().slice(11, 19).replace(/:/g, '');
}

/** A catalogue date (ISO, or DICOM DA already) as DICOM DA; '' when it is none of these. */
function dicomDate(value: string | null): string {
  if (!value) return '';
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (iso) return `${iso[1]}${iso[2]}${iso[3]}`;
  return /^\d{8}$/.test(value) ? value : '';
}

const truncate = (text: string, max: number) => (text.length > max ? text.slice(0, max) : text);

function observerItems(name: string | null): Dataset[] {
  if (name === null) {
    return [
      { RelationshipType: 'HAS OBS CONTEXT', ValueType: 'CODE', ConceptNameCodeSequence: code('121005', 'DCM', 'Observer Type'), ConceptCodeSequence: code('121007', 'DCM', 'Device') },
      { RelationshipType: 'HAS OBS CONTEXT', ValueType: 'UIDREF', ConceptNameCodeSequence: code('121012', 'DCM', 'Device Observer UID'), UID: uuidUid('Lesion Workstation') },
      { RelationshipType: 'HAS OBS CONTEXT', ValueType: 'TEXT', ConceptNameCodeSequence: code('121013', 'DCM', 'Device Observer Name'), TextValue: 'Lesion Workstation' },
    ];
  }
  return [
    { RelationshipType: 'HAS OBS CONTEXT', ValueType: 'CODE', ConceptNameCodeSequence: code('121005', 'DCM', 'Observer Type'), ConceptCodeSequence: code('121006', 'DCM', 'Person') },
    { RelationshipType: 'HAS OBS CONTEXT', ValueType: 'PNAME', ConceptNameCodeSequence: code('121008', 'DCM', 'Person Observer Name'), PersonName: truncate(name, 64) },
  ];
}

interface ImageRef {
  sopClassUid: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  /** 1-based, for multi-frame images only. */
  frameNumber: number | null;
}

function imageItem(ref: ImageRef, relationship: string): Dataset {
  const sop: Dataset = { ReferencedSOPClassUID: ref.sopClassUid, ReferencedSOPInstanceUID: ref.sopInstanceUid };
  if (ref.frameNumber !== null) sop.ReferencedFrameNumber = ref.frameNumber;
  return { RelationshipType: relationship, ValueType: 'IMAGE', ReferencedSOPSequence: [sop] };
}

/** A NUM (value in mm, or in pixels when the spacing is unknown) inferred from a 2-point SCOORD polyline. */
function axisItem(concept: Dataset[], segment: Segment, mm: number | null, px: number, ref: ImageRef): Dataset {
  const value = mm ?? px;
  return {
    RelationshipType: 'CONTAINS',
    ValueType: 'NUM',
    ConceptNameCodeSequence: concept,
    MeasuredValueSequence: [{ MeasurementUnitsCodeSequence: mm === null ? PIXELS : MM, NumericValue: decimalString(value), FloatingPointValue: value }],
    ContentSequence: [
      {
        RelationshipType: 'INFERRED FROM',
        ValueType: 'SCOORD',
        GraphicType: 'POLYLINE',
        GraphicData: [...toDicomScoord(segment[0]), ...toDicomScoord(segment[1])],
        ContentSequence: [imageItem(ref, 'SELECTED FROM')],
      },
    ],
  };
}

/** Why a lesion cannot go into an SR, or null. */
function reasonToSkip(item: ExportItem): string | null {
  if (item.lesion.keySliceRef.startsWith('deeplesion:')) return 'its key slice is a DeepLesion PNG, not a DICOM image an SR can reference';
  if (!item.study || !item.series) return 'its study is unknown until its image is in the library';
  return null;
}

/**
 * One DICOM SR measurement report (TID 1500, Enhanced SR) per study, written with dcmjs: each lesion a
 * measurement group (TID 1501) with its tracking identifier and UID, its category as the finding, its annotator as
 * the observer, and the RECIST long and short axes as NUMs in mm inferred from 2-point SCOORD polylines on the
 * referenced image. A pseudonymised export applies the PS3.15 Basic Application Confidentiality Profile (with
 * Retain Patient Characteristics): ids and names replaced, dates removed or dummies, UIDs replaced consistently.
 */
export const dicomSrExporter: Exporter = {
  info: {
    name: 'dicom-sr',
    label: 'DICOM SR (TID 1500)',
    description: 'One TID 1500 measurement report per study: RECIST long and short axes as SCOORD polylines on the referenced images',
    writesImages: false,
  },

  async write(ctx: ExportContext): Promise<void> {
    const p = ctx.privacy;
    const byStudy = new Map<number, ExportItem[]>();
    for (const item of ctx.items) {
      const reason = reasonToSkip(item);
      if (reason) {
        ctx.skip(item, reason);
        continue;
      }
      const list = byStudy.get(item.study!.id) ?? [];
      list.push(item);
      byStudy.set(item.study!.id, list);
    }
    const studies = [...byStudy.values()].sort((a, b) => (ctx.naming.studyKeyOf(a[0]!)! < ctx.naming.studyKeyOf(b[0]!)! ? -1 : 1));
    const taxonomyUsed = new Set<number>();
    let done = 0;
    for (const items of studies) {
      ctx.checkCancelled();
      ctx.progress(done++, studies.length, `DICOM SR: study ${done} of ${studies.length}`);
      const first = items[0]!;
      const study = first.study!;
      const patient = first.patient;
      const people = items.map((i) => ctx.peopleOf(i).creator);
      const observers = [...new Set(people.filter((n): n is string => n !== null))].sort();

      const refs = items.map((item): ImageRef => {
        const instance = item.lesion.instanceId === null ? null : ctx.catalogue.instances.get(item.lesion.instanceId);
        return {
          sopClassUid: instance?.sopClassUid ?? CT_IMAGE_SOP_CLASS,
          sopInstanceUid: p.uid(item.lesion.keySliceRef),
          seriesInstanceUid: p.uid(item.series!.seriesInstanceUid),
          frameNumber: instance && instance.frames > 1 ? item.lesion.frame + 1 : null,
        };
      });
      const distinctRefs = [...new Map(refs.map((r) => [`${r.sopInstanceUid}#${r.frameNumber ?? ''}`, r])).values()];

      const groups = items.map((item, index) => {
        const { lesion } = item;
        const ref = refs[index]!;
        const creator = people[index]!;
        const { category } = effectiveCategory(item, ctx.taxonomy);
        if (category) taxonomyUsed.add(category.id);
        const children: Dataset[] = [
          { RelationshipType: 'HAS OBS CONTEXT', ValueType: 'TEXT', ConceptNameCodeSequence: code('112039', 'DCM', 'Tracking Identifier'), TextValue: `Lesion ${lesion.id}` },
          {
            RelationshipType: 'HAS OBS CONTEXT',
            ValueType: 'UIDREF',
            ConceptNameCodeSequence: code('112040', 'DCM', 'Tracking Unique Identifier'),
            UID: p.uid(uuidUid(`${ctx.catalogue.id}:lesion:${lesion.id}`)),
          },
          ...(creator === null ? [] : observerItems(p.personName(creator))),
          {
            RelationshipType: 'CONTAINS',
            ValueType: 'CODE',
            ConceptNameCodeSequence: code('121071', 'DCM', 'Finding'),
            ConceptCodeSequence: category ? code(`category-${category.id}`, TAXONOMY_SCHEME, truncate(category.name, 64)) : code('52988006', 'SCT', 'Lesion'),
          },
          axisItem(LONG_AXIS, lesion.recist.longAxis, lesion.longAxisMm, lesion.longAxisPx, ref),
        ];
        if (lesion.recist.shortAxis) children.push(axisItem(SHORT_AXIS, lesion.recist.shortAxis, lesion.shortAxisMm, lesion.shortAxisPx ?? 0, ref));
        ctx.exported(item);
        return {
          RelationshipType: 'CONTAINS',
          ValueType: 'CONTAINER',
          ConceptNameCodeSequence: code('125007', 'DCM', 'Measurement Group'),
          ContinuityOfContent: 'SEPARATE',
          ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: '1501' }],
          ContentSequence: children,
        };
      });

      const bySeries = new Map<string, ImageRef[]>();
      for (const r of distinctRefs) bySeries.set(r.seriesInstanceUid, [...(bySeries.get(r.seriesInstanceUid) ?? []), r]);
      const modality = first.series!.modality;
      const sopInstanceUid = uuidUid();
      const seriesInstanceUid = uuidUid();
      const now = ctx.now;
      const dataset: Dataset = {
        _meta: {
          FileMetaInformationVersion: { Value: [new Uint8Array([0, 1]).buffer], vr: 'OB' },
          MediaStorageSOPClassUID: { Value: [ENHANCED_SR_SOP_CLASS], vr: 'UI' },
          MediaStorageSOPInstanceUID: { Value: [sopInstanceUid], vr: 'UI' },
          TransferSyntaxUID: { Value: [EXPLICIT_VR_LITTLE_ENDIAN], vr: 'UI' },
        },
        SpecificCharacterSet: 'ISO_IR 192',
        SOPClassUID: ENHANCED_SR_SOP_CLASS,
        SOPInstanceUID: sopInstanceUid,
        InstanceCreationDate: p.active ? '19000101' : da(now),
        InstanceCreationTime: p.active ? '000000' : tm(now),
        // Patient (Type 2 attributes stay, empty where removed)
        PatientName: p.active ? p.patientId(first.patientKey, patient?.patientId ?? '') : (patient?.name ?? ''),
        PatientID: patient ? p.patientId(first.patientKey, patient.patientId) : '',
        PatientBirthDate: dicomDate(p.date(patient?.birthDate ?? null)),
        PatientSex: patient?.sex ?? '',
        ...(study.patientAge && ageInYears(study.patientAge) !== null ? { PatientAge: study.patientAge } : {}),
        // General Study: the report joins the images' study
        StudyInstanceUID: p.uid(study.studyInstanceUid),
        StudyDate: dicomDate(p.date(study.studyDate)),
        StudyTime: p.date(study.studyTime) ?? '',
        ReferringPhysicianName: '',
        StudyID: p.identifyingText(study.studyId) ?? '',
        AccessionNumber: p.identifyingText(study.accessionNumber) ?? '',
        // SR Document Series and equipment
        Modality: 'SR',
        SeriesInstanceUID: seriesInstanceUid,
        SeriesNumber: 9901,
        SeriesDescription: 'Lesion Workstation measurements',
        ReferencedPerformedProcedureStepSequence: [],
        Manufacturer: 'Lesion Workstation',
        // SR Document General
        InstanceNumber: 1,
        CompletionFlag: 'COMPLETE',
        VerificationFlag: 'UNVERIFIED',
        ContentDate: p.active ? '19000101' : da(now),
        ContentTime: p.active ? '000000' : tm(now),
        PerformedProcedureCodeSequence: [],
        CurrentRequestedProcedureEvidenceSequence: [
          {
            StudyInstanceUID: p.uid(study.studyInstanceUid),
            ReferencedSeriesSequence: [...bySeries].map(([uid, list]) => ({
              SeriesInstanceUID: uid,
              ReferencedSOPSequence: list.map((r) => ({ ReferencedSOPClassUID: r.sopClassUid, ReferencedSOPInstanceUID: r.sopInstanceUid })),
            })),
          },
        ],
        ...(taxonomyUsed.size
          ? { CodingSchemeIdentificationSequence: [{ CodingSchemeDesignator: TAXONOMY_SCHEME, CodingSchemeName: 'Lesion Workstation taxonomy', CodingSchemeResponsibleOrganization: 'Lesion Workstation' }] }
          : {}),
        ...(p.active
          ? {
              PatientIdentityRemoved: 'YES',
              // LO: at most 64 characters; the codes below say it in full
              DeidentificationMethod: 'PS3.15 Basic Profile, Retain Patient Characteristics',
              DeidentificationMethodCodeSequence: [
                ...code(BASIC_PROFILE.value, BASIC_PROFILE.scheme, BASIC_PROFILE.meaning),
                ...code(RETAIN_PATIENT_CHARACTERISTICS.value, RETAIN_PATIENT_CHARACTERISTICS.scheme, RETAIN_PATIENT_CHARACTERISTICS.meaning),
              ],
              LongitudinalTemporalInformationModified: 'REMOVED',
            }
          : {}),
        // SR Document Content: TID 1500
        ValueType: 'CONTAINER',
        ConceptNameCodeSequence: code('126000', 'DCM', 'Imaging Measurement Report'),
        ContinuityOfContent: 'SEPARATE',
        ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: '1500' }],
        ContentSequence: [
          {
            RelationshipType: 'HAS CONCEPT MOD',
            ValueType: 'CODE',
            ConceptNameCodeSequence: code('121049', 'DCM', 'Language of Content Item and Descendants'),
            ConceptCodeSequence: code('en-US', 'RFC5646', 'English (United States)'),
          },
          ...(observers.length ? observers.flatMap((o) => observerItems(p.personName(o))) : observerItems(null)),
          {
            RelationshipType: 'HAS CONCEPT MOD',
            ValueType: 'CODE',
            ConceptNameCodeSequence: code('121058', 'DCM', 'Procedure reported'),
            ConceptCodeSequence: modality === 'CT' ? code('77477000', 'SCT', 'Computed Tomography') : code('363679005', 'SCT', 'Imaging procedure'),
          },
          {
            RelationshipType: 'CONTAINS',
            ValueType: 'CONTAINER',
            ConceptNameCodeSequence: code('111028', 'DCM', 'Image Library'),
            ContinuityOfContent: 'SEPARATE',
            ContentSequence: [
              {
                RelationshipType: 'CONTAINS',
                ValueType: 'CONTAINER',
                ConceptNameCodeSequence: code('126200', 'DCM', 'Image Library Group'),
                ContinuityOfContent: 'SEPARATE',
                ContentSequence: distinctRefs.map((r) => imageItem(r, 'CONTAINS')),
              },
            ],
          },
          {
            RelationshipType: 'CONTAINS',
            ValueType: 'CONTAINER',
            ConceptNameCodeSequence: code('126010', 'DCM', 'Imaging Measurements'),
            ContinuityOfContent: 'SEPARATE',
            ContentSequence: groups,
          },
        ],
      };
      const bytes = dcmjs.data.datasetToBuffer(dataset);
      ctx.folder.write(`sr/${ctx.naming.studyKeyOf(first)}.dcm`, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    }
    ctx.note('dicom-sr', {
      template: 'TID 1500 Imaging Measurement Report, one per study (Enhanced SR, explicit VR little endian); each lesion a TID 1501 measurement group',
      axes: 'NUM Long Axis (SCT 103339001) and Short Axis (SCT 103340004) in mm, each inferred from a 2-point SCOORD POLYLINE on the referenced image',
      coordinates: 'SCOORD GraphicData: column, row with (0, 0) at the top-left corner of the first pixel (PS3.3 C.18.6.1.1)',
      finding: `the curated category (coding scheme ${TAXONOMY_SCHEME}), else the category its DeepLesion type maps to, else SCT 52988006 Lesion`,
      observer: 'the annotator who drew the lesion (Person Observer Name); the workstation as device observer where nobody drew them',
    });
  },
};
