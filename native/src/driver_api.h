// What the probe needs of the NVIDIA driver libraries, declared here so no CUDA toolkit is needed
// to build: the few types and constants it uses, and symbol lookup by name in a dlopen'd library.
#pragma once
#include <dlfcn.h>

// glibc 2.34 moved dlopen, dlsym and dlerror into libc under a new symbol version; binding to the
// old one lets the prebuilt addon load on older distributions too (RHEL 8: glibc 2.28).
#if defined(__GLIBC__) && defined(__x86_64__)
__asm__(".symver dlopen,dlopen@GLIBC_2.2.5");
__asm__(".symver dlsym,dlsym@GLIBC_2.2.5");
__asm__(".symver dlerror,dlerror@GLIBC_2.2.5");
#endif

#include <initializer_list>
#include <string>
#include <vector>

namespace mlcheck {

using CUresult = int;
using CUdevice = int;
using CUcontext = struct CUctx_st*;
using CUdeviceptr = unsigned long long;
using nvmlReturn_t = int;
using nvmlDevice_t = struct nvmlDevice_st*;

// nvmlReturn_t values (nvml.h) the probe treats as answers rather than failures.
constexpr int kNvmlSuccess = 0;
constexpr int kNvmlErrorNotSupported = 3;
constexpr int kNvmlErrorInsufficientSize = 7;
constexpr int kNvmlErrorFunctionNotFound = 13;
constexpr int kNvmlErrorCorruptedInforom = 14;

// The driver says "this GPU or driver cannot tell": the check is skipped, never failed.
inline bool NvmlUnsupported(int code) { return code == kNvmlErrorNotSupported || code == kNvmlErrorFunctionNotFound; }

class Library {
 public:
  explicit Library(void* handle) : handle_(handle) {}
  // Tries each name in order; the first present wins. Records the first name when none is.
  template <typename Fn>
  Fn Find(std::initializer_list<const char*> names, std::vector<std::string>* missing) const {
    for (const char* name : names) {
      void* symbol = dlsym(handle_, name);
      if (symbol != nullptr) return reinterpret_cast<Fn>(symbol);
    }
    if (missing != nullptr) missing->push_back(*names.begin());
    return nullptr;
  }

 private:
  void* handle_;
};

}  // namespace mlcheck
