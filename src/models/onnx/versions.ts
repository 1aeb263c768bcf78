// The ONNX versions Segwork writes, apart from the protobuf classes, so `segwork export-model --help` can name them
// without loading onnx-proto.

/** Opset 13: Softmax over one axis, Resize with sizes, Unsqueeze/Clip with tensor inputs, MaxUnpool with output_shape. */
export const ONNX_OPSET = 13;
/** IR version 7 goes with opset 13; ONNX Runtime 1.12 and later read it. */
export const ONNX_IR_VERSION = 7;
