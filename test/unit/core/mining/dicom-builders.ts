// Small builders for hand-made SR and presentation-state datasets in dcmjs's naturalized form.
import dcmjs from 'dcmjs';

type Dataset = Record<string, unknown>;

export function code(value: string, scheme: string, meaning: string): Dataset[] {
  return [{ CodeValue: value, CodingSchemeDesignator: scheme, CodeMeaning: meaning }];
}

/** Writes the dataset as a Part 10 file with dcmjs (explicit VR little endian) and returns its bytes. */
export function toPart10(dataset: Dataset): Uint8Array {
  return new Uint8Array(dcmjs.data.datasetToBuffer({ ...dataset, _meta: {} }));
}

export function imageItem(sopInstanceUid: string, frame?: number): Dataset {
  const sop: Dataset = { ReferencedSOPClassUID: '1.2.840.10008.5.1.4.1.1.2', ReferencedSOPInstanceUID: sopInstanceUid };
  if (frame !== undefined) sop.ReferencedFrameNumber = frame;
  return { RelationshipType: 'SELECTED FROM', ValueType: 'IMAGE', ReferencedSOPSequence: [sop] };
}

export function scoord(graphicType: string, graphicData: number[], image: Dataset): Dataset {
  return {
    RelationshipType: 'INFERRED FROM',
    ValueType: 'SCOORD',
    GraphicType: graphicType,
    GraphicData: graphicData,
    ContentSequence: [image],
  };
}

export function num(concept: Dataset[], value: number, unit: string, children: Dataset[]): Dataset {
  return {
    RelationshipType: 'CONTAINS',
    ValueType: 'NUM',
    ConceptNameCodeSequence: concept,
    MeasuredValueSequence: [
      { NumericValue: value, MeasurementUnitsCodeSequence: code(unit, 'UCUM', unit) },
    ],
    ContentSequence: children,
  };
}

export function container(concept: Dataset[], children: Dataset[]): Dataset {
  return {
    RelationshipType: 'CONTAINS',
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: concept,
    ContinuityOfContent: 'SEPARATE',
    ContentSequence: children,
  };
}

export function trackingIdentifier(text: string): Dataset {
  return {
    RelationshipType: 'HAS OBS CONTEXT',
    ValueType: 'TEXT',
    ConceptNameCodeSequence: code('112039', 'DCM', 'Tracking Identifier'),
    TextValue: text,
  };
}

export function trackingUid(uid: string): Dataset {
  return {
    RelationshipType: 'HAS OBS CONTEXT',
    ValueType: 'UIDREF',
    ConceptNameCodeSequence: code('112040', 'DCM', 'Tracking Unique Identifier'),
    UID: uid,
  };
}

export function srDocument(sopInstanceUid: string, children: Dataset[]): Dataset {
  return {
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.88.22', // Enhanced SR
    SOPInstanceUID: sopInstanceUid,
    Modality: 'SR',
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: code('126000', 'DCM', 'Imaging Measurement Report'),
    ContinuityOfContent: 'SEPARATE',
    ContentSequence: children,
  };
}
