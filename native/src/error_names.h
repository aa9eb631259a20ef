// Names for CUDA driver (CUresult) and NVML (nvmlReturn_t) status codes, so a failure reads
// "cuInit: CUDA_ERROR_NO_DEVICE (100)" without needing the driver to describe itself.
#pragma once

namespace mlcheck {
const char* CudaResultName(int code);  // nullptr when unknown
const char* NvmlReturnName(int code);  // nullptr when unknown
}  // namespace mlcheck
