// The --backend line of the commands that run forward passes (segment, eval): ONNX Runtime or a tfjs backend.
export const forwardBackendUsage = `  --backend NAME     onnxruntime (the default where it loads; onnxruntime-cpu, -cuda, -dml, -coreml or -webgpu
                     force one provider), or a tfjs backend: tensorflow | webgpu | wasm | cpu`;
