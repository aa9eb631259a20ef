#include "gpu_health.h"

#include <unistd.h>

#include <chrono>
#include <thread>

namespace mlcheck {
namespace {

// nvml.h enums, as the NVML API Reference (docs.nvidia.com/deploy/nvml-api/) defines them.
constexpr int kMemoryErrorUncorrected = 1;          // NVML_MEMORY_ERROR_TYPE_UNCORRECTED
constexpr int kAggregateEcc = 1;                    // NVML_AGGREGATE_ECC (persists across reboots)
constexpr int kRetiredForSingleBitErrors = 0;       // NVML_PAGE_RETIREMENT_CAUSE_MULTIPLE_SINGLE_BIT_ECC_ERRORS
constexpr int kRetiredForDoubleBitErrors = 1;       // NVML_PAGE_RETIREMENT_CAUSE_DOUBLE_BIT_ECC_ERROR

// NvmlClocksEventReasons (nvmlClocksThrottleReason* before R535, same bits): HW slowdown 0x08,
// SW thermal 0x20, HW thermal 0x40, HW power brake 0x80. NVML documents that HW slowdown "may
// be also reported during PState or clock change", so a slowdown must hold over a few samples.
constexpr uint64_t kSlowdownReasons = 0x08 | 0x20 | 0x40 | 0x80;
constexpr int kClockSamples = 3;
constexpr auto kClockSampleGap = std::chrono::milliseconds(100);

// nvmlProcessInfo_v1_t {pid, usedGpuMemory}; nvmlProcessInfo_v2_t / nvmlProcessInfo_t add
// gpuInstanceId and computeInstanceId (NVML API Reference, Device Structs).
struct ProcessInfoV1 {
  unsigned int pid;
  unsigned long long used_gpu_memory;
};
struct ProcessInfoV2 {
  unsigned int pid;
  unsigned long long used_gpu_memory;
  unsigned int gpu_instance_id;
  unsigned int compute_instance_id;
};
// NVML_VALUE_NOT_AVAILABLE for usedGpuMemory.
constexpr unsigned long long kValueNotAvailable = ~0ULL;

}  // namespace

NvmlHealthReader::NvmlHealthReader(const Library& library, std::vector<std::string>* missing) {
  ecc_count_ = library.Find<EccCountFn>({"nvmlDeviceGetTotalEccErrors"}, nullptr);
  retired_pages_ = library.Find<RetiredPagesFn>({"nvmlDeviceGetRetiredPages"}, missing);
  retired_pending_ = library.Find<PendingFn>({"nvmlDeviceGetRetiredPagesPendingStatus"}, missing);
  remapped_rows_ = library.Find<RemappedRowsFn>({"nvmlDeviceGetRemappedRows"}, missing);
  // R535 renamed the throttle reasons to clocks event reasons; older drivers have only the old name.
  clock_reasons_ = library.Find<ReasonsFn>({"nvmlDeviceGetCurrentClocksEventReasons", "nvmlDeviceGetCurrentClocksThrottleReasons"}, missing);
  clock_reasons_name_ = library.Find<ReasonsFn>({"nvmlDeviceGetCurrentClocksEventReasons"}, nullptr) != nullptr ? "nvmlDeviceGetCurrentClocksEventReasons"
                                                                                                        : "nvmlDeviceGetCurrentClocksThrottleReasons";
  validate_inforom_ = library.Find<DeviceFn>({"nvmlDeviceValidateInforom"}, missing);
  processes_ = library.Find<ProcessesFn>({"nvmlDeviceGetComputeRunningProcesses_v3", "nvmlDeviceGetComputeRunningProcesses_v2"}, nullptr);
  processes_name_ = "nvmlDeviceGetComputeRunningProcesses_v3";
  if (processes_ == nullptr) {
    processes_ = library.Find<ProcessesFn>({"nvmlDeviceGetComputeRunningProcesses"}, missing);
    processes_name_ = "nvmlDeviceGetComputeRunningProcesses";
    processes_v1_layout_ = true;
  }
}

void NvmlHealthReader::Read(nvmlDevice_t device, bool ecc_supported, NvmlHealth& health, const NvmlCallRecorder& record) const {
  unsigned long long count = 0;
  if (ecc_supported && ecc_count_ != nullptr &&
      record("nvmlDeviceGetTotalEccErrors(AGGREGATE)", ecc_count_(device, kMemoryErrorUncorrected, kAggregateEcc, &count)))
    health.ecc_aggregate_uncorrected = count;

  // nvmlDeviceGetRetiredPages: "Set [pageCount] to 0 to query the size without allocating an
  // addresses buffer"; a GPU with retired pages answers INSUFFICIENT_SIZE with the count set.
  if (retired_pages_ != nullptr) {
    const struct {
      int cause;
      std::optional<unsigned>* field;
      const char* label;
    } causes[] = {
        {kRetiredForSingleBitErrors, &health.retired_pages_single_bit, "nvmlDeviceGetRetiredPages(MULTIPLE_SINGLE_BIT_ECC_ERRORS)"},
        {kRetiredForDoubleBitErrors, &health.retired_pages_double_bit, "nvmlDeviceGetRetiredPages(DOUBLE_BIT_ECC_ERROR)"},
    };
    for (const auto& entry : causes) {
      unsigned int pages = 0;
      unsigned long long unused_address = 0;
      int code = retired_pages_(device, entry.cause, &pages, &unused_address);
      if (code == kNvmlErrorInsufficientSize) code = kNvmlSuccess;
      if (record(entry.label, code)) *entry.field = pages;
    }
  }
  int pending = 0;
  if (retired_pending_ != nullptr && record("nvmlDeviceGetRetiredPagesPendingStatus", retired_pending_(device, &pending)))
    health.retired_pages_pending = pending != 0;

  unsigned int correctable = 0, uncorrectable = 0, remap_pending = 0, remap_failure = 0;
  if (remapped_rows_ != nullptr &&
      record("nvmlDeviceGetRemappedRows", remapped_rows_(device, &correctable, &uncorrectable, &remap_pending, &remap_failure))) {
    health.remapped_rows_correctable = correctable;
    health.remapped_rows_uncorrectable = uncorrectable;
    health.row_remap_pending = remap_pending != 0;
    health.row_remap_failure = remap_failure != 0;
  }

  ReadClocks(device, health, record);

  if (validate_inforom_ != nullptr) {
    const int code = validate_inforom_(device);
    if (code == kNvmlErrorCorruptedInforom) health.inforom_valid = false;
    else if (record("nvmlDeviceValidateInforom", code)) health.inforom_valid = true;
  }

  ReadProcesses(device, health, record);
}

void NvmlHealthReader::ReadClocks(nvmlDevice_t device, NvmlHealth& health, const NvmlCallRecorder& record) const {
  if (clock_reasons_ == nullptr) return;
  health.clocks_function = clock_reasons_name_;
  unsigned long long reasons = 0;
  if (!record(clock_reasons_name_, clock_reasons_(device, &reasons))) return;
  health.clocks_event_reasons = reasons;
  uint64_t held = reasons;
  for (int sample = 1; sample < kClockSamples && (held & kSlowdownReasons) != 0; ++sample) {
    std::this_thread::sleep_for(kClockSampleGap);
    unsigned long long again = 0;
    if (clock_reasons_(device, &again) != kNvmlSuccess) break;
    held &= again;
  }
  health.clocks_event_reasons_held = held;
}

void NvmlHealthReader::ReadProcesses(nvmlDevice_t device, NvmlHealth& health, const NvmlCallRecorder& record) const {
  if (processes_ == nullptr) return;
  // "call this function with *infoCount = 0 ... The return code will be NVML_ERROR_INSUFFICIENT_SIZE,
  // or NVML_SUCCESS if none are running"; the list may grow between the two calls, hence the spare room.
  unsigned int count = 0;
  int code = processes_(device, &count, nullptr);
  if (code == kNvmlSuccess) {
    health.compute_processes = std::vector<ComputeProcess>();
    return;
  }
  if (code != kNvmlErrorInsufficientSize) {
    record(processes_name_, code);
    return;
  }
  const pid_t self = getpid();
  std::vector<ComputeProcess> found;
  for (int attempt = 0; attempt < 3; ++attempt) {
    unsigned int capacity = count + 8;
    count = capacity;
    found.clear();
    if (processes_v1_layout_) {
      std::vector<ProcessInfoV1> infos(capacity);
      code = processes_(device, &count, infos.data());
      for (unsigned int i = 0; code == kNvmlSuccess && i < count; ++i)
        found.push_back({infos[i].pid, infos[i].used_gpu_memory == kValueNotAvailable ? std::nullopt : std::optional<uint64_t>(infos[i].used_gpu_memory)});
    } else {
      std::vector<ProcessInfoV2> infos(capacity);
      code = processes_(device, &count, infos.data());
      for (unsigned int i = 0; code == kNvmlSuccess && i < count; ++i)
        found.push_back({infos[i].pid, infos[i].used_gpu_memory == kValueNotAvailable ? std::nullopt : std::optional<uint64_t>(infos[i].used_gpu_memory)});
    }
    if (code != kNvmlErrorInsufficientSize) break;
  }
  if (!record(processes_name_, code)) return;
  std::vector<ComputeProcess> others;
  for (const ComputeProcess& process : found)
    if (static_cast<pid_t>(process.pid) != self) others.push_back(process);
  health.compute_processes = others;
}

}  // namespace mlcheck
