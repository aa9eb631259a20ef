import { ProtobufWriter } from './protobuf-writer.js';

/** ONNX TensorProto.DataType values for the element types built here. */
const DATA_TYPE = { float32: 1, uint8: 2, int32: 6, string: 8 } as const;
export type OnnxElementType = keyof typeof DATA_TYPE;

export type OnnxTensorValue =
  | { dataType: 'int32' | 'uint8'; dims: readonly number[]; values: readonly number[] }
  | { dataType: 'float32'; dims: readonly number[]; values: readonly number[] }
  | { dataType: 'string'; dims: readonly number[]; values: readonly string[] };

export interface OnnxNodeSpec {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name?: string;
  /** Tensor-valued attributes (e.g. Constant's `value`). */
  tensorAttributes?: Readonly<Record<string, OnnxTensorValue>>;
  /** Integer attributes: a number is an INT (e.g. keepdims), a list an INTS (e.g. axes, perm). */
  intAttributes?: Readonly<Record<string, number | readonly number[]>>;
}

export interface OnnxValueInfo {
  name: string;
  dataType: OnnxElementType;
  /** Fixed sizes, or names for symbolic dimensions such as the batch. */
  dims: readonly (number | string)[];
}

export interface OnnxModelSpec {
  graphName: string;
  nodes: readonly OnnxNodeSpec[];
  inputs?: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
  opsetVersion?: number;
  irVersion?: number;
}

/** Encodes a small graph as an ONNX ModelProto, ready for InferenceSession.create(bytes). */
export function encodeOnnxModel(spec: OnnxModelSpec): Uint8Array {
  const model = new ProtobufWriter()
    .varint(1, spec.irVersion ?? 8)
    .string(2, 'mlcheck')
    .message(7, (graph) => {
      spec.nodes.forEach((node, index) => graph.message(1, (w) => writeNode(w, node, index)));
      graph.string(2, spec.graphName);
      for (const input of spec.inputs ?? []) graph.message(11, (w) => writeValueInfo(w, input));
      for (const output of spec.outputs) graph.message(12, (w) => writeValueInfo(w, output));
    })
    .message(8, (opset) => opset.string(1, '').varint(2, spec.opsetVersion ?? 13));
  return model.finish();
}

function writeNode(w: ProtobufWriter, node: OnnxNodeSpec, index: number): void {
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  w.string(3, node.name ?? `${node.opType.toLowerCase()}_${index}`);
  w.string(4, node.opType);
  for (const [name, tensor] of Object.entries(node.tensorAttributes ?? {})) {
    // AttributeProto: name = 1, t = 5, type = 20 (AttributeType.TENSOR = 4).
    w.message(5, (a) => a.string(1, name).message(5, (t) => writeTensor(t, tensor)).varint(20, 4));
  }
  for (const [name, value] of Object.entries(node.intAttributes ?? {})) {
    // AttributeProto: i = 3 (type INT = 2); ints = 8, one varint per value (type INTS = 7).
    w.message(5, (a) => {
      a.string(1, name);
      if (typeof value === 'number') a.varint(3, value).varint(20, 2);
      else {
        for (const v of value) a.varint(8, v);
        a.varint(20, 7);
      }
    });
  }
}

function writeTensor(w: ProtobufWriter, tensor: OnnxTensorValue): void {
  if (tensor.dims.length > 0) w.packedVarints(1, tensor.dims);
  w.varint(2, DATA_TYPE[tensor.dataType]);
  switch (tensor.dataType) {
    case 'int32':
    case 'uint8':
      // int32_data (field 5) also holds uint8 values, one per varint.
      w.packedVarints(5, tensor.values);
      break;
    case 'float32':
      // raw_data (field 9): little-endian float32, the layout ONNX defines for it.
      w.bytes(9, new Uint8Array(Float32Array.from(tensor.values).buffer));
      break;
    case 'string':
      for (const value of tensor.values) w.string(6, value);
      break;
  }
}

function writeValueInfo(w: ProtobufWriter, info: OnnxValueInfo): void {
  w.string(1, info.name);
  w.message(2, (type) =>
    type.message(1, (tensorType) => {
      tensorType.varint(1, DATA_TYPE[info.dataType]);
      tensorType.message(2, (shape) => {
        for (const dim of info.dims) shape.message(1, (d) => (typeof dim === 'number' ? d.varint(1, dim) : d.string(2, dim)));
      });
    }),
  );
}
