import { onnx } from 'onnx-proto';
import { DEFAULT_SCATTERING_CONFIG, filterBank, MODULUS_EPS, scalePairs, scatteringDimension, type MorletFilter, type ScatteringConfig } from './filters';

/**
 * The scattering transform as an ONNX graph (opset 17, IR 8) that onnxruntime runs on the CPU with its own
 * convolution kernels. Input `patch` [N, channels, n, n] float32, output `embedding` [N, D] float32, in the order of
 * `scatteringFeatureNames`.
 *
 * Layer 1, per scale j: one Conv with group = channels; each group maps one input channel to 2L output channels
 * (orientation-major, then real / imaginary part) with stride 2^j and "same" zero padding, then the modulus
 * sqrt(re^2 + im^2 + eps) over a [N, channels * L, 2, h, w] reshape. Layer 2, per pair j1 < j2: one Conv over the
 * channels * L maps U1_{j1} with group = channels * L, using the scale-(j2 - j1) filters with stride 2^(j2 - j1),
 * then the modulus. Every U map is averaged (GlobalAveragePool) and S1, S2 go through log(1 + x).
 *
 * Only one bank of 2L filters per scale is stored (ONNX Conv correlates, so the stored kernels are the filters
 * rotated by 180 degrees); Tile replicates it for each group, which onnxruntime folds once when the session loads.
 */

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;
const OPSET = 17;
const IR_VERSION = 8;

export interface ScatteringGraph {
  /** The serialised ModelProto: the same bytes for the same configuration. */
  bytes: Uint8Array;
  nodes: number;
  initializers: number;
  dimension: number;
}

function floatTensor(name: string, dims: number[], values: ArrayLike<number>): onnx.ITensorProto {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  for (let k = 0; k < values.length; k++) view.setFloat32(k * 4, values[k]!, true);
  return { name, dims, dataType: FLOAT, rawData: raw };
}

function int64Tensor(name: string, values: number[]): onnx.ITensorProto {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((v, k) => view.setBigInt64(k * 8, BigInt(v), true));
  return { name, dims: [values.length], dataType: INT64, rawData: raw };
}

const ints = (name: string, values: number[]): onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: values });
const int = (name: string, value: number): onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INT, i: value });

function tensorType(dims: (number | string)[]): onnx.ITypeProto {
  return {
    tensorType: {
      elemType: FLOAT,
      shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
    },
  };
}

/** Conv kernels [2L, 1, size, size] for the L filters of one scale: real then imaginary part, each rotated 180 degrees. */
export function convKernels(filters: readonly MorletFilter[]): { dims: number[]; values: Float32Array } {
  const size = filters[0]!.size;
  const area = size * size;
  const values = new Float32Array(filters.length * 2 * area);
  filters.forEach((psi, l) => {
    for (let k = 0; k < area; k++) {
      values[(2 * l) * area + k] = psi.re[area - 1 - k]!;
      values[(2 * l + 1) * area + k] = psi.im[area - 1 - k]!;
    }
  });
  return { dims: [filters.length * 2, 1, size, size], values };
}

export function buildScatteringGraph(config: ScatteringConfig = DEFAULT_SCATTERING_CONFIG): ScatteringGraph {
  const bank = filterBank(config);
  const { patchSize: n, J, L, channels: C } = config;
  const D = scatteringDimension(config);
  const nodes: onnx.INodeProto[] = [];
  const initializers: onnx.ITensorProto[] = [];
  const constants = new Set<string>();

  const node = (opType: string, inputs: string[], output: string, attribute: onnx.IAttributeProto[] = []): string => {
    nodes.push({ name: `${output}_${opType}`, opType, input: inputs, output: [output], attribute });
    return output;
  };
  const shapeConstant = (values: number[]): string => {
    const name = `shape_${values.map((v) => (v < 0 ? `m${-v}` : v)).join('_')}`;
    if (!constants.has(name)) {
      constants.add(name);
      initializers.push(int64Tensor(name, values));
    }
    return name;
  };
  const reshape = (input: string, output: string, shape: number[]) => node('Reshape', [input, shapeConstant(shape)], output);

  initializers.push(floatTensor('eps', [], [MODULUS_EPS]));
  initializers.push(floatTensor('one', [], [1]));
  initializers.push(floatTensor('zero', [], [0]));
  initializers.push(int64Tensor('parts_axis', [2]));
  for (let j = 0; j < J; j++) {
    const kernels = convKernels(bank.psi[j]!);
    initializers.push(floatTensor(`psi_j${j}`, kernels.dims, kernels.values));
  }

  /** The filters of scale j replicated for `groups` groups. */
  const tiledKernels = new Map<string, string>();
  const kernelsFor = (j: number, groups: number): string => {
    const key = `psi_j${j}_x${groups}`;
    if (!tiledKernels.has(key)) {
      const repeats = `repeats_${groups}`;
      if (!constants.has(repeats)) {
        constants.add(repeats);
        initializers.push(int64Tensor(repeats, [groups, 1, 1, 1]));
      }
      tiledKernels.set(key, node('Tile', [`psi_j${j}`, repeats], key));
    }
    return tiledKernels.get(key)!;
  };

  /** |input * psi_{j, .}| at stride 2^j for every group of one input map: [N, groups * L, side / 2^j, side / 2^j]. */
  const modulusConv = (input: string, groups: number, side: number, j: number, name: string): string => {
    const radius = bank.psi[j]![0]!.radius;
    const size = 2 * radius + 1;
    const stride = 2 ** j;
    const out = side / stride;
    const conv = node('Conv', [input, kernelsFor(j, groups)], `${name}_conv`, [
      int('group', groups),
      ints('kernel_shape', [size, size]),
      ints('pads', [radius, radius, radius, radius]),
      ints('strides', [stride, stride]),
      ints('dilations', [1, 1]),
    ]);
    const parts = reshape(conv, `${name}_parts`, [0, groups * L, 2, out, out]);
    const squares = node('Mul', [parts, parts], `${name}_squares`);
    const energy = node('ReduceSum', [squares, 'parts_axis'], `${name}_energy`, [int('keepdims', 0)]);
    const padded = node('Add', [energy, 'eps'], `${name}_energy_eps`);
    return node('Sqrt', [padded], name);
  };

  /** Spatial means of a [N, C * k, h, w] stack as [N, C, k]. */
  const means = (input: string, perChannel: number, name: string): string =>
    reshape(node('GlobalAveragePool', [input], `${name}_pool`), name, [0, C, perChannel]);

  /**
   * log(1 + x) to float32 precision also for small x: Log(1 + x) alone loses the low bits of x in the addition,
   * so use log(u) * x / (u - 1) with u = 1 + x (Goldberg's correction), and x itself where u rounds to 1.
   */
  const log1p = (input: string, name: string): string => {
    const u = node('Add', [input, 'one'], `${name}_u`);
    const uMinusOne = node('Sub', [u, 'one'], `${name}_u_minus_one`);
    const corrected = node('Div', [node('Mul', [node('Log', [u], `${name}_log_u`), input], `${name}_log_u_x`), uMinusOne], `${name}_corrected`);
    const exact = node('Equal', [uMinusOne, 'zero'], `${name}_u_is_one`);
    return node('Where', [exact, input, corrected], name);
  };

  const s0 = means('patch', 1, 's0');
  const firstLayer: string[] = [];
  const s1: string[] = [];
  for (let j = 0; j < J; j++) {
    const u1 = modulusConv('patch', C, n, j, `u1_j${j}`);
    firstLayer.push(u1);
    s1.push(means(u1, L, `s1_j${j}`));
  }
  const s2: string[] = [];
  for (const [j1, j2] of scalePairs(J)) {
    const u2 = modulusConv(firstLayer[j1]!, C * L, n / 2 ** j1, j2 - j1, `u2_j${j1}_j${j2}`);
    s2.push(means(u2, L * L, `s2_j${j1}_j${j2}`));
  }
  const higher = node('Concat', [...s1, ...s2], 's12', [int('axis', 2)]);
  const logged = log1p(higher, 's12_log1p');
  const perChannel = node('Concat', [s0, logged], 's_per_channel', [int('axis', 2)]);
  reshape(perChannel, 'embedding', [0, D]);

  const graph: onnx.IGraphProto = {
    name: 'scattering-texture',
    docString: `Two-layer 2D Morlet scattering (J=${J}, L=${L}) of a ${C}x${n}x${n} patch; built by models/scattering/build.ts.`,
    node: nodes,
    initializer: initializers,
    input: [{ name: 'patch', type: tensorType(['N', C, n, n]) }],
    output: [{ name: 'embedding', type: tensorType(['N', D]) }],
  };
  const model: onnx.IModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'lesion-workstation scattering builder',
    producerVersion: '1.0.0',
    graph,
  };
  const bytes = onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  return { bytes, nodes: nodes.length, initializers: initializers.length, dimension: D };
}
