/**
 * The few protobuf wire-format primitives needed to encode an ONNX ModelProto in code
 * (varint and length-delimited fields). Writing them here avoids a schema compiler
 * dependency for graphs of a handful of nodes.
 */
export class ProtobufWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): this {
    this.chunks.push(bytes);
    this.length += bytes.length;
    return this;
  }

  private tag(field: number, wireType: 0 | 2): this {
    return this.push(encodeVarint(BigInt((field << 3) | wireType)));
  }

  /** int32, int64 and enum fields (negative values are written as 64-bit two's complement). */
  varint(field: number, value: number | bigint): this {
    const v = BigInt(value);
    return this.tag(field, 0).push(encodeVarint(v < 0n ? (1n << 64n) + v : v));
  }

  bytes(field: number, value: Uint8Array): this {
    return this.tag(field, 2).push(encodeVarint(BigInt(value.length))).push(value);
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (writer: ProtobufWriter) => void): this {
    const inner = new ProtobufWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  /** A packed repeated varint field (proto3 default for repeated scalars). */
  packedVarints(field: number, values: readonly (number | bigint)[]): this {
    const inner = new ProtobufWriter();
    for (const value of values) {
      const v = BigInt(value);
      inner.push(encodeVarint(v < 0n ? (1n << 64n) + v : v));
    }
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}

function encodeVarint(value: bigint): Uint8Array {
  const bytes: number[] = [];
  let v = value;
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    bytes.push(byte);
  } while (v > 0n);
  return Uint8Array.from(bytes);
}
