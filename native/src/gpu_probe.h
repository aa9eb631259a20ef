// GPU facts from the NVIDIA driver, found at run time with dlopen: no CUDA toolkit is needed to
// build, and a node without a driver gets a reason instead of a load failure.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gpu_health.h"

namespace mlcheck {

struct LibraryFailure {
  std::string library;
  std::string function;            // empty when dlopen itself failed
  std::optional<int> code;         // CUresult or nvmlReturn_t
  std::string code_name;           // e.g. CUDA_ERROR_NO_DEVICE
  std::string message;             // the whole sentence an operator reads
  bool library_missing = false;    // dlopen found no such file
};

struct CudaDevice {
  int ordinal = 0;
  std::optional<std::string> name, uuid, pci_bus_id;
  std::optional<int> cc_major, cc_minor, multiprocessors, ecc_enabled;
  std::optional<uint64_t> memory_bytes;
  std::vector<std::string> errors;
};

struct CudaReport {
  std::string library;
  bool loaded = false;
  std::optional<LibraryFailure> failure;
  std::optional<int> driver_version;  // e.g. 12040 for CUDA 12.4
  std::vector<CudaDevice> devices;
  std::vector<std::string> missing_symbols;
};

struct NvmlDevice {
  unsigned index = 0;
  std::optional<std::string> name, uuid, pci_bus_id;
  std::optional<uint64_t> memory_bytes;
  std::optional<int> cc_major, cc_minor;
  std::optional<bool> ecc_enabled, ecc_pending;
  std::optional<uint64_t> ecc_volatile_uncorrected;
  std::optional<unsigned> pcie_gen_current, pcie_gen_max, pcie_width_current, pcie_width_max;
  std::optional<unsigned> temperature_c;
  std::optional<bool> persistence_mode;
  std::optional<unsigned> mig_current, mig_pending;
  // nvmlComputeMode_t: 0 DEFAULT, 1 EXCLUSIVE_THREAD, 2 PROHIBITED, 3 EXCLUSIVE_PROCESS.
  std::optional<unsigned> compute_mode;
  NvmlHealth health;
  // Functions that answered NVML_ERROR_NOT_SUPPORTED or FUNCTION_NOT_FOUND for this GPU, with that code's name.
  std::vector<std::pair<std::string, std::string>> unsupported;
  std::vector<std::string> errors;
};

struct NvmlReport {
  std::string library;
  bool loaded = false;
  std::optional<LibraryFailure> failure;
  std::optional<std::string> driver_version;
  std::optional<int> cuda_driver_version;
  std::vector<NvmlDevice> devices;
  std::vector<std::string> missing_symbols;
};

struct GpuReport {
  CudaReport cuda;
  NvmlReport nvml;
};

struct GpuProbeOptions {
  std::string cuda_library = "libcuda.so.1";
  std::string nvml_library = "libnvidia-ml.so.1";
  bool use_nvml = true;
  // Re-read a PCIe link found below its maximum while the GPU is kept busy (creates a CUDA context).
  bool busy_pcie_reread = true;
};

GpuReport ProbeGpus(const GpuProbeOptions& options);

// The driver call in progress, so a caller that gives up waiting can say where it hung.
const char* CurrentGpuStage();

}  // namespace mlcheck
