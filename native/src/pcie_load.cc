#include "pcie_load.h"

#include <chrono>
#include <cstdio>
#include <vector>

#include "driver_api.h"
#include "error_names.h"

namespace mlcheck {
namespace {

// Large enough that a copy keeps a Gen5 x16 link busy for about a millisecond, small enough for
// any GPU and any host.
constexpr size_t kCopyBytes = 32u << 20;

std::string Failed(const char* function, int code) {
  const char* name = CudaResultName(code);
  char text[160];
  std::snprintf(text, sizeof text, "libcuda.so.1: %s: %s (%d)", function, name != nullptr ? name : "CUresult", code);
  return text;
}

}  // namespace

std::string KeepPcieLinkBusy(void* cuda_handle, int ordinal, int budget_ms, const std::function<bool()>& sample) {
  using DeviceGetFn = CUresult (*)(CUdevice*, int);
  using CtxCreateFn = CUresult (*)(CUcontext*, unsigned int, CUdevice);
  using CtxDestroyFn = CUresult (*)(CUcontext);
  using MemAllocFn = CUresult (*)(CUdeviceptr*, size_t);
  using MemFreeFn = CUresult (*)(CUdeviceptr);
  using CopyFn = CUresult (*)(CUdeviceptr, const void*, size_t);
  Library lib(cuda_handle);
  std::vector<std::string> missing;
  auto device_get = lib.Find<DeviceGetFn>({"cuDeviceGet"}, &missing);
  auto ctx_create = lib.Find<CtxCreateFn>({"cuCtxCreate_v2"}, &missing);
  auto ctx_destroy = lib.Find<CtxDestroyFn>({"cuCtxDestroy_v2"}, &missing);
  auto mem_alloc = lib.Find<MemAllocFn>({"cuMemAlloc_v2"}, &missing);
  auto mem_free = lib.Find<MemFreeFn>({"cuMemFree_v2"}, &missing);
  auto copy = lib.Find<CopyFn>({"cuMemcpyHtoD_v2"}, &missing);
  if (!missing.empty()) return "libcuda.so.1 lacks " + missing.front();

  CUdevice device = 0;
  CUresult status = device_get(&device, ordinal);
  if (status != 0) return Failed("cuDeviceGet", status);
  CUcontext context = nullptr;
  status = ctx_create(&context, 0, device);
  if (status != 0) return Failed("cuCtxCreate_v2", status);
  CUdeviceptr buffer = 0;
  status = mem_alloc(&buffer, kCopyBytes);
  if (status != 0) {
    ctx_destroy(context);
    return Failed("cuMemAlloc_v2", status);
  }
  std::vector<unsigned char> host(kCopyBytes, 0x5a);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(budget_ms);
  std::string result;
  do {
    // cuMemcpyHtoD from pageable memory returns once the copy is done, so the link is busy when sampled.
    status = copy(buffer, host.data(), host.size());
    if (status != 0) {
      result = Failed("cuMemcpyHtoD_v2", status);
      break;
    }
    if (sample()) break;
  } while (std::chrono::steady_clock::now() < deadline);
  mem_free(buffer);
  ctx_destroy(context);
  return result;
}

}  // namespace mlcheck
