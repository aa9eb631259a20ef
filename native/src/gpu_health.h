// The GPU health facts `dcgmi diag -r 1` and NHC read, taken from NVML alone: ECC counters,
// retired pages and remapped rows, clock event reasons, the InfoROM, and the processes on a GPU.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "driver_api.h"

namespace mlcheck {

struct ComputeProcess {
  unsigned pid = 0;
  std::optional<uint64_t> used_memory_bytes;
};

// Each field stays empty when the driver lacks the function or the GPU does not support it.
struct NvmlHealth {
  std::optional<uint64_t> ecc_aggregate_uncorrected;
  std::optional<unsigned> retired_pages_single_bit, retired_pages_double_bit;
  std::optional<bool> retired_pages_pending;
  std::optional<unsigned> remapped_rows_correctable, remapped_rows_uncorrectable;
  std::optional<bool> row_remap_pending, row_remap_failure;
  // The first sample, and the bits set in every sample (a slowdown held, not a passing P-state change).
  std::optional<uint64_t> clocks_event_reasons, clocks_event_reasons_held;
  std::string clocks_function;
  std::optional<bool> inforom_valid;
  std::optional<std::vector<ComputeProcess>> compute_processes;
  // The PCIe link re-read while mlcheck kept the GPU busy (links idle down to save power).
  std::optional<unsigned> pcie_gen_busy, pcie_width_busy;
  std::optional<std::string> pcie_busy_note;
};

// Called with each NVML function and its return code; returns true when the call succeeded.
using NvmlCallRecorder = std::function<bool(const char* function, int code)>;

class NvmlHealthReader {
 public:
  // Looks the functions up once; the ones the driver lacks are appended to `missing`.
  NvmlHealthReader(const Library& library, std::vector<std::string>* missing);
  void Read(nvmlDevice_t device, bool ecc_supported, NvmlHealth& health, const NvmlCallRecorder& record) const;

 private:
  void ReadClocks(nvmlDevice_t device, NvmlHealth& health, const NvmlCallRecorder& record) const;
  void ReadProcesses(nvmlDevice_t device, NvmlHealth& health, const NvmlCallRecorder& record) const;

  using EccCountFn = nvmlReturn_t (*)(nvmlDevice_t, int, int, unsigned long long*);
  using RetiredPagesFn = nvmlReturn_t (*)(nvmlDevice_t, int, unsigned int*, unsigned long long*);
  using PendingFn = nvmlReturn_t (*)(nvmlDevice_t, int*);
  using RemappedRowsFn = nvmlReturn_t (*)(nvmlDevice_t, unsigned int*, unsigned int*, unsigned int*, unsigned int*);
  using ReasonsFn = nvmlReturn_t (*)(nvmlDevice_t, unsigned long long*);
  using DeviceFn = nvmlReturn_t (*)(nvmlDevice_t);
  using ProcessesFn = nvmlReturn_t (*)(nvmlDevice_t, unsigned int*, void*);

  EccCountFn ecc_count_ = nullptr;
  RetiredPagesFn retired_pages_ = nullptr;
  PendingFn retired_pending_ = nullptr;
  RemappedRowsFn remapped_rows_ = nullptr;
  ReasonsFn clock_reasons_ = nullptr;
  const char* clock_reasons_name_ = "";
  DeviceFn validate_inforom_ = nullptr;
  ProcessesFn processes_ = nullptr;
  const char* processes_name_ = "";
  // nvmlProcessInfo_v1_t has no MIG instance fields; _v2 and _v3 share the longer layout.
  bool processes_v1_layout_ = false;
};

}  // namespace mlcheck
