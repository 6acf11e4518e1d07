import onnxProto from "onnx-proto";
import type { onnx as OnnxTypes } from "onnx-proto";

/** The ONNX protobuf schema (onnx-proto, ONNX 1.10.2) as runtime classes. */
export const onnx = onnxProto.onnx;

export type ModelProto = OnnxTypes.IModelProto;
export type NodeProto = OnnxTypes.INodeProto;
export type TensorProto = OnnxTypes.ITensorProto;
export type AttributeProto = OnnxTypes.IAttributeProto;
export type ValueInfoProto = OnnxTypes.IValueInfoProto;

/** ONNX TensorProto.DataType.FLOAT. */
export const ONNX_FLOAT = 1;
/** ONNX TensorProto.DataType.INT64. */
export const ONNX_INT64 = 7;
/** ONNX TensorProto.DataType.BOOL (Dropout's training_mode). */
export const ONNX_BOOL = 9;

/** protobufjs decodes int64 fields as `Long` objects (the `long` package is installed). */
export function toInteger(value: number | { toNumber(): number } | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === "number" ? value : value.toNumber();
}
