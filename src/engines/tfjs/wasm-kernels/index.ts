// Placeholder: the wasm training kernels (Conv2DBackpropFilter) are being written by another helper.
export function registerWasmTrainingKernels(): void {}
