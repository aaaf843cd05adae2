import { createHash } from 'node:crypto';
import { onnx } from 'onnx-proto';
import { manifestSchema } from '../inference/manifest';
import type { FeatureStandardisation, TrainedHead } from './head';

/**
 * A trained head as an ONNX graph (opset 17, IR 8) over the RAW stored feature vectors, so that a lesion is
 * re-embedded from its catalogue row alone:
 *
 *   features [N, D] float32 (NaN = missing group)
 *     -> Where(IsNaN(x), mean, x) -> (x - mean) * scale          (scale 0 switches a dimension off)
 *     -> Gemm(W1, b1) -> Relu                                     = embedding [N, hidden]
 *     -> Gemm(W2, b2) -> Softmax(axis -1)                         = probabilities [N, k]
 *
 * The standardisation is `standardiseFeatures` of head.ts, operation for operation in float32.
 */

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const OPSET = 17;
const IR_VERSION = 8;

export const HEAD_INPUT = 'features';
export const HEAD_EMBEDDING_OUTPUT = 'embedding';
export const HEAD_PROBABILITIES_OUTPUT = 'probabilities';

function floatTensor(name: string, dims: number[], values: ArrayLike<number>): onnx.ITensorProto {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return { name, dims, dataType: FLOAT, rawData: raw };
}

function tensorType(dims: (number | string)[]): onnx.ITypeProto {
  return { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } };
}

function checkHead(head: TrainedHead, preprocessing: FeatureStandardisation): void {
  const { inputDim: d, hidden: h, classes: k } = head;
  const sizes: [string, number, number][] = [
    ['w1', head.w1.length, d * h],
    ['b1', head.b1.length, h],
    ['w2', head.w2.length, h * k],
    ['b2', head.b2.length, k],
    ['mean', preprocessing.mean.length, d],
    ['scale', preprocessing.scale.length, d],
  ];
  for (const [name, actual, expected] of sizes) {
    if (actual !== expected) throw new RangeError(`${name} holds ${actual} values, expected ${expected} (D=${d}, hidden=${h}, k=${k})`);
  }
  // A NaN or infinite mean would leak into every missing value; a non-finite weight into every row.
  for (const [name, values] of [['mean', preprocessing.mean], ['scale', preprocessing.scale], ['w1', head.w1], ['b1', head.b1], ['w2', head.w2], ['b2', head.b2]] as const) {
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new RangeError(`${name}[${bad}] is ${values[bad]}: every value must be finite`);
  }
}

/** The serialised ModelProto: the same bytes for the same head, preprocessing and meta. */
export function headToOnnx(head: TrainedHead, preprocessing: FeatureStandardisation, meta: { name: string; version: string }): Uint8Array {
  checkHead(head, preprocessing);
  const { inputDim: d, hidden: h, classes: k } = head;
  const nodes: onnx.INodeProto[] = [];
  const node = (opType: string, inputs: string[], output: string, attribute: onnx.IAttributeProto[] = []): string => {
    nodes.push({ name: `${output}_${opType}`, opType, input: inputs, output: [output], attribute });
    return output;
  };
  const initializer = [
    floatTensor('mean', [d], preprocessing.mean),
    floatTensor('scale', [d], preprocessing.scale),
    floatTensor('w1', [d, h], head.w1),
    floatTensor('b1', [h], head.b1),
    floatTensor('w2', [h, k], head.w2),
    floatTensor('b2', [k], head.b2),
  ];

  const missing = node('IsNaN', [HEAD_INPUT], 'features_missing');
  const filled = node('Where', [missing, 'mean', HEAD_INPUT], 'features_filled');
  const centred = node('Sub', [filled, 'mean'], 'features_centred');
  const standardised = node('Mul', [centred, 'scale'], 'features_standardised');
  const hidden = node('Gemm', [standardised, 'w1', 'b1'], 'projection_linear');
  const embedding = node('Relu', [hidden], HEAD_EMBEDDING_OUTPUT);
  const logits = node('Gemm', [embedding, 'w2', 'b2'], 'logits');
  node('Softmax', [logits], HEAD_PROBABILITIES_OUTPUT, [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 }]);

  const model: onnx.IModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'lesion-workstation head trainer',
    producerVersion: '1.0.0',
    graph: {
      name: meta.name,
      docString: `${meta.name} ${meta.version}: standardisation (NaN -> mean), ReLU projection ${d} -> ${h}, softmax over ${k} classes.`,
      node: nodes,
      initializer,
      input: [{ name: HEAD_INPUT, type: tensorType(['N', d]) }],
      output: [
        { name: HEAD_EMBEDDING_OUTPUT, type: tensorType(['N', h]) },
        { name: HEAD_PROBABILITIES_OUTPUT, type: tensorType(['N', k]) },
      ],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

/** The embedding model (and its feature layout) whose stored vectors a head reads. */
export interface HeadBasis {
  model: string;
  version: string;
  /** sha256 of the base model file: the catalogue-independent identity of the vectors' source. */
  sha256: string;
  /** The base model's catalogue id where it was trained; catalogue-local, so informative only. */
  modelVersionId?: number;
  /** The stored vector layout in order (texture, intensity, size, location, ...), with the weight each group had. */
  groups: { name: string; length: number; weight: number }[];
}

/**
 * The manifest of a head model. It differs from `ModelManifest` (inference/manifest.ts) in `input.kind: 'features'`,
 * no `preprocessing` block (the standardisation is inside the graph) and `basedOn`; see the report for the schema change.
 */
export interface HeadManifest {
  name: string;
  version: string;
  task: 'embedding';
  description?: string;
  file: string;
  sha256: string;
  input: { name: typeof HEAD_INPUT; kind: 'features'; shape: ['N', number]; dtype: 'float32' };
  outputs: [{ name: typeof HEAD_EMBEDDING_OUTPUT; shape: ['N', number] }, { name: typeof HEAD_PROBABILITIES_OUTPUT; shape: ['N', number] }];
  labels: string[] | null;
  basedOn: HeadBasis;
  provenance?: string;
}

export interface HeadManifestMeta {
  name: string;
  version: string;
  basedOn: HeadBasis;
  description?: string;
  provenance?: string;
  /** One name per class (the pseudo-label clusters); null when they are unnamed. */
  labels?: string[] | null;
  file?: string;
}

/** The manifest for `bytes` = headToOnnx(head, ...). Name, version, description and file follow the model manifest's rules. */
export function headManifest(head: TrainedHead, bytes: Uint8Array, meta: HeadManifestMeta): HeadManifest {
  const shape = manifestSchema.shape;
  const labels = meta.labels ?? null;
  if (labels && labels.length !== head.classes) throw new RangeError(`${labels.length} labels for ${head.classes} classes`);
  const width = meta.basedOn.groups.reduce((a, g) => a + g.length, 0);
  if (width !== head.inputDim) throw new RangeError(`the base layout has ${width} dimensions, the head reads ${head.inputDim}`);
  if (!/^[0-9a-f]{64}$/.test(meta.basedOn.sha256)) throw new RangeError(`basedOn.sha256 must be 64 lower-case hex digits`);
  const manifest: HeadManifest = {
    name: shape.name.parse(meta.name),
    version: shape.version.parse(meta.version),
    task: 'embedding',
    ...(meta.description !== undefined ? { description: shape.description.parse(meta.description) } : {}),
    file: shape.file.parse(meta.file ?? 'model.onnx'),
    sha256: createHash('sha256').update(bytes).digest('hex'),
    input: { name: HEAD_INPUT, kind: 'features', shape: ['N', head.inputDim], dtype: 'float32' },
    outputs: [
      { name: HEAD_EMBEDDING_OUTPUT, shape: ['N', head.hidden] },
      { name: HEAD_PROBABILITIES_OUTPUT, shape: ['N', head.classes] },
    ],
    labels,
    basedOn: { ...meta.basedOn, groups: meta.basedOn.groups.map((g) => ({ ...g })) },
    ...(meta.provenance !== undefined ? { provenance: shape.provenance.parse(meta.provenance) } : {}),
  };
  return manifest;
}
