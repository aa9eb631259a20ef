#include "gpu_probe.h"

#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>

#include "error_names.h"
#include "pcie_load.h"

namespace mlcheck {
namespace {

struct CUuuid {
  unsigned char bytes[16];
};
struct nvmlMemory_t {
  unsigned long long total, free, used;
};
struct nvmlPciInfo_v3_t {
  char busIdLegacy[16];
  unsigned int domain, bus, device, pciDeviceId, pciSubSystemId;
  char busId[32];
};

constexpr int kAttrMultiprocessorCount = 16;
constexpr int kAttrEccEnabled = 32;
constexpr int kAttrComputeCapabilityMajor = 75;
constexpr int kAttrComputeCapabilityMinor = 76;
constexpr int kNvmlMemoryErrorUncorrected = 1;
constexpr int kNvmlVolatileEcc = 0;
constexpr int kNvmlTemperatureGpu = 0;

std::atomic<const char*> g_stage{"idle"};

void Stage(const char* name) { g_stage.store(name); }

std::string DescribeCode(int code, const char* name, const char* type) {
  char text[128];
  if (name != nullptr)
    std::snprintf(text, sizeof text, "%s (%d)", name, code);
  else
    std::snprintf(text, sizeof text, "%s %d (unknown code)", type, code);
  return text;
}

LibraryFailure OpenFailure(const std::string& library, const char* what_is_missing) {
  const char* reason = dlerror();
  std::string detail = reason != nullptr ? reason : "unknown dlopen error";
  LibraryFailure failure;
  failure.library = library;
  failure.library_missing = detail.find("No such file") != std::string::npos ||
                            detail.find("cannot open shared object file") != std::string::npos;
  failure.message = failure.library_missing ? library + " not found: " + what_is_missing
                                            : library + " could not be loaded: " + detail;
  return failure;
}

LibraryFailure CallFailure(const std::string& library, const char* function, int code, bool nvml) {
  LibraryFailure failure;
  failure.library = library;
  failure.function = function;
  failure.code = code;
  const char* name = nvml ? NvmlReturnName(code) : CudaResultName(code);
  failure.code_name = name != nullptr ? name : "";
  failure.message = library + ": " + function + ": " + DescribeCode(code, name, nvml ? "nvmlReturn_t" : "CUresult");
  return failure;
}

LibraryFailure MissingSymbol(const std::string& library, const char* function) {
  LibraryFailure failure;
  failure.library = library;
  failure.function = function;
  failure.message = library + ": required function " + function + " is missing (not an NVIDIA driver library?)";
  return failure;
}

std::string FormatUuid(const CUuuid& uuid) {
  const unsigned char* b = uuid.bytes;
  char text[64];
  std::snprintf(text, sizeof text, "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
                b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return text;
}

// Returns the libcuda handle when cuInit succeeded (the busy PCIe re-read needs it), else nullptr.
void* ProbeCuda(CudaReport& report) {
  Stage("dlopen libcuda");
  void* handle = dlopen(report.library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    report.failure = OpenFailure(report.library, "no NVIDIA driver installed");
    return nullptr;
  }
  report.loaded = true;
  Library lib(handle);
  auto& missing = report.missing_symbols;
  using InitFn = CUresult (*)(unsigned int);
  using IntOutFn = CUresult (*)(int*);
  using DeviceGetFn = CUresult (*)(CUdevice*, int);
  using NameFn = CUresult (*)(char*, int, CUdevice);
  using TotalMemFn = CUresult (*)(size_t*, CUdevice);
  using AttributeFn = CUresult (*)(int*, int, CUdevice);
  using UuidFn = CUresult (*)(CUuuid*, CUdevice);

  auto cu_init = lib.Find<InitFn>({"cuInit"}, nullptr);
  auto cu_count = lib.Find<IntOutFn>({"cuDeviceGetCount"}, nullptr);
  auto cu_get = lib.Find<DeviceGetFn>({"cuDeviceGet"}, nullptr);
  if (cu_init == nullptr || cu_count == nullptr || cu_get == nullptr) {
    report.failure = MissingSymbol(report.library, cu_init == nullptr ? "cuInit" : cu_count == nullptr ? "cuDeviceGetCount" : "cuDeviceGet");
    return nullptr;
  }
  auto cu_driver_version = lib.Find<IntOutFn>({"cuDriverGetVersion"}, &missing);
  auto cu_name = lib.Find<NameFn>({"cuDeviceGetName"}, &missing);
  auto cu_total_mem = lib.Find<TotalMemFn>({"cuDeviceTotalMem_v2"}, &missing);
  auto cu_attribute = lib.Find<AttributeFn>({"cuDeviceGetAttribute"}, &missing);
  auto cu_uuid = lib.Find<UuidFn>({"cuDeviceGetUuid_v2", "cuDeviceGetUuid"}, &missing);
  auto cu_pci_bus_id = lib.Find<NameFn>({"cuDeviceGetPCIBusId"}, &missing);

  if (cu_driver_version != nullptr) {
    Stage("cuDriverGetVersion");
    int version = 0;
    if (cu_driver_version(&version) == 0) report.driver_version = version;
  }

  Stage("cuInit");
  CUresult status = cu_init(0);
  if (status != 0) {
    report.failure = CallFailure(report.library, "cuInit", status, false);
    return nullptr;
  }
  Stage("cuDeviceGetCount");
  int count = 0;
  status = cu_count(&count);
  if (status != 0) {
    report.failure = CallFailure(report.library, "cuDeviceGetCount", status, false);
    return nullptr;
  }
  for (int ordinal = 0; ordinal < count; ++ordinal) {
    CudaDevice device;
    device.ordinal = ordinal;
    auto note = [&](const char* function, int code) {
      device.errors.push_back(CallFailure(report.library, function, code, false).message);
    };
    Stage("cuDeviceGet");
    CUdevice handle_id = 0;
    status = cu_get(&handle_id, ordinal);
    if (status != 0) {
      note("cuDeviceGet", status);
      report.devices.push_back(device);
      continue;
    }
    if (cu_name != nullptr) {
      Stage("cuDeviceGetName");
      char name[256] = {0};
      status = cu_name(name, sizeof name - 1, handle_id);
      if (status == 0) device.name = name; else note("cuDeviceGetName", status);
    }
    if (cu_total_mem != nullptr) {
      Stage("cuDeviceTotalMem_v2");
      size_t bytes = 0;
      status = cu_total_mem(&bytes, handle_id);
      if (status == 0) device.memory_bytes = bytes; else note("cuDeviceTotalMem_v2", status);
    }
    if (cu_attribute != nullptr) {
      Stage("cuDeviceGetAttribute");
      struct {
        int attribute;
        std::optional<int>* field;
        const char* label;
      } attributes[] = {
          {kAttrComputeCapabilityMajor, &device.cc_major, "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MAJOR)"},
          {kAttrComputeCapabilityMinor, &device.cc_minor, "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MINOR)"},
          {kAttrMultiprocessorCount, &device.multiprocessors, "cuDeviceGetAttribute(MULTIPROCESSOR_COUNT)"},
          {kAttrEccEnabled, &device.ecc_enabled, "cuDeviceGetAttribute(ECC_ENABLED)"},
      };
      for (auto& entry : attributes) {
        int value = 0;
        status = cu_attribute(&value, entry.attribute, handle_id);
        if (status == 0) *entry.field = value; else note(entry.label, status);
      }
    }
    if (cu_uuid != nullptr) {
      Stage("cuDeviceGetUuid");
      CUuuid uuid;
      std::memset(&uuid, 0, sizeof uuid);
      status = cu_uuid(&uuid, handle_id);
      if (status == 0) device.uuid = FormatUuid(uuid); else note("cuDeviceGetUuid", status);
    }
    if (cu_pci_bus_id != nullptr) {
      Stage("cuDeviceGetPCIBusId");
      char bus_id[64] = {0};
      status = cu_pci_bus_id(bus_id, sizeof bus_id - 1, handle_id);
      if (status == 0) device.pci_bus_id = bus_id; else note("cuDeviceGetPCIBusId", status);
    }
    report.devices.push_back(device);
  }
  return handle;
}

// "0000:3B:00.0" (CUDA) and "00000000:3b:00.0" (NVML) name one device.
bool SamePciAddress(const std::string& a, const std::string& b) {
  unsigned domain_a = 0, bus_a = 0, device_a = 0, function_a = 0, domain_b = 0, bus_b = 0, device_b = 0, function_b = 0;
  if (std::sscanf(a.c_str(), "%x:%x:%x.%x", &domain_a, &bus_a, &device_a, &function_a) != 4) return false;
  if (std::sscanf(b.c_str(), "%x:%x:%x.%x", &domain_b, &bus_b, &device_b, &function_b) != 4) return false;
  return domain_a == domain_b && bus_a == bus_b && device_a == device_b && function_a == function_b;
}

// How long one GPU is kept busy at most; a link that trains up does so within milliseconds.
constexpr int kPcieBusyBudgetMs = 250;

void ProbeNvml(NvmlReport& report, void* cuda_handle, const std::vector<CudaDevice>& cuda_devices, bool busy_pcie_reread) {
  Stage("dlopen libnvidia-ml");
  void* handle = dlopen(report.library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    report.failure = OpenFailure(report.library, "NVML is not installed (GPU health fields stay empty)");
    return;
  }
  report.loaded = true;
  Library lib(handle);
  auto& missing = report.missing_symbols;
  using VoidFn = nvmlReturn_t (*)();
  using TextFn = nvmlReturn_t (*)(char*, unsigned int);
  using IntOutFn = nvmlReturn_t (*)(int*);
  using UintOutFn = nvmlReturn_t (*)(unsigned int*);
  using HandleFn = nvmlReturn_t (*)(unsigned int, nvmlDevice_t*);
  using DevTextFn = nvmlReturn_t (*)(nvmlDevice_t, char*, unsigned int);
  using DevUintFn = nvmlReturn_t (*)(nvmlDevice_t, unsigned int*);
  using DevTwoUintFn = nvmlReturn_t (*)(nvmlDevice_t, unsigned int*, unsigned int*);
  using DevTwoIntFn = nvmlReturn_t (*)(nvmlDevice_t, int*, int*);
  using MemoryFn = nvmlReturn_t (*)(nvmlDevice_t, nvmlMemory_t*);
  using PciFn = nvmlReturn_t (*)(nvmlDevice_t, nvmlPciInfo_v3_t*);
  using EccCountFn = nvmlReturn_t (*)(nvmlDevice_t, int, int, unsigned long long*);
  using TemperatureFn = nvmlReturn_t (*)(nvmlDevice_t, int, unsigned int*);

  auto nvml_init = lib.Find<VoidFn>({"nvmlInit_v2", "nvmlInit"}, nullptr);
  auto nvml_count = lib.Find<UintOutFn>({"nvmlDeviceGetCount_v2", "nvmlDeviceGetCount"}, nullptr);
  auto nvml_handle = lib.Find<HandleFn>({"nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex"}, nullptr);
  if (nvml_init == nullptr || nvml_count == nullptr || nvml_handle == nullptr) {
    report.failure = MissingSymbol(report.library, nvml_init == nullptr ? "nvmlInit_v2" : nvml_count == nullptr ? "nvmlDeviceGetCount_v2" : "nvmlDeviceGetHandleByIndex_v2");
    return;
  }
  auto nvml_shutdown = lib.Find<VoidFn>({"nvmlShutdown"}, &missing);
  auto driver_version = lib.Find<TextFn>({"nvmlSystemGetDriverVersion"}, &missing);
  auto cuda_version = lib.Find<IntOutFn>({"nvmlSystemGetCudaDriverVersion_v2", "nvmlSystemGetCudaDriverVersion"}, &missing);
  auto get_name = lib.Find<DevTextFn>({"nvmlDeviceGetName"}, &missing);
  auto get_uuid = lib.Find<DevTextFn>({"nvmlDeviceGetUUID"}, &missing);
  auto get_pci = lib.Find<PciFn>({"nvmlDeviceGetPciInfo_v3"}, &missing);
  auto get_memory = lib.Find<MemoryFn>({"nvmlDeviceGetMemoryInfo"}, &missing);
  auto get_cc = lib.Find<DevTwoIntFn>({"nvmlDeviceGetCudaComputeCapability"}, &missing);
  auto get_ecc_mode = lib.Find<DevTwoUintFn>({"nvmlDeviceGetEccMode"}, &missing);
  auto get_ecc_count = lib.Find<EccCountFn>({"nvmlDeviceGetTotalEccErrors"}, &missing);
  auto get_gen_current = lib.Find<DevUintFn>({"nvmlDeviceGetCurrPcieLinkGeneration"}, &missing);
  auto get_gen_max = lib.Find<DevUintFn>({"nvmlDeviceGetMaxPcieLinkGeneration"}, &missing);
  auto get_width_current = lib.Find<DevUintFn>({"nvmlDeviceGetCurrPcieLinkWidth"}, &missing);
  auto get_width_max = lib.Find<DevUintFn>({"nvmlDeviceGetMaxPcieLinkWidth"}, &missing);
  auto get_temperature = lib.Find<TemperatureFn>({"nvmlDeviceGetTemperature"}, &missing);
  auto get_persistence = lib.Find<DevUintFn>({"nvmlDeviceGetPersistenceMode"}, &missing);
  auto get_mig = lib.Find<DevTwoUintFn>({"nvmlDeviceGetMigMode"}, &missing);
  // nvmlComputeMode_t is an enum, passed as an unsigned int.
  auto get_compute_mode = lib.Find<DevUintFn>({"nvmlDeviceGetComputeMode"}, &missing);
  const NvmlHealthReader health_reader(lib, &missing);

  Stage("nvmlInit_v2");
  nvmlReturn_t status = nvml_init();
  if (status != 0) {
    report.failure = CallFailure(report.library, "nvmlInit_v2", status, true);
    return;
  }
  if (driver_version != nullptr) {
    Stage("nvmlSystemGetDriverVersion");
    char text[96] = {0};
    if (driver_version(text, sizeof text - 1) == 0) report.driver_version = text;
  }
  if (cuda_version != nullptr) {
    Stage("nvmlSystemGetCudaDriverVersion");
    int version = 0;
    if (cuda_version(&version) == 0) report.cuda_driver_version = version;
  }
  Stage("nvmlDeviceGetCount_v2");
  unsigned int count = 0;
  status = nvml_count(&count);
  if (status != 0) {
    report.failure = CallFailure(report.library, "nvmlDeviceGetCount_v2", status, true);
  }
  std::vector<nvmlDevice_t> handles;
  for (unsigned int index = 0; status == 0 && index < count; ++index) {
    NvmlDevice device;
    device.index = index;
    // NOT_SUPPORTED (e.g. MIG on a pre-Ampere GPU) and FUNCTION_NOT_FOUND are answers, not failures.
    auto check = [&](const char* function, nvmlReturn_t code) {
      if (NvmlUnsupported(code)) {
        const char* name = NvmlReturnName(code);
        device.unsupported.emplace_back(function, name != nullptr ? name : std::to_string(code));
      } else if (code != 0) {
        device.errors.push_back(CallFailure(report.library, function, code, true).message);
      }
      return code == 0;
    };
    Stage("nvmlDeviceGetHandleByIndex_v2");
    nvmlDevice_t dev = nullptr;
    if (!check("nvmlDeviceGetHandleByIndex_v2", nvml_handle(index, &dev))) {
      report.devices.push_back(device);
      handles.push_back(nullptr);
      continue;
    }
    Stage("nvmlDevice queries");
    char text[128] = {0};
    if (get_name != nullptr && check("nvmlDeviceGetName", get_name(dev, text, sizeof text - 1))) device.name = text;
    std::memset(text, 0, sizeof text);
    if (get_uuid != nullptr && check("nvmlDeviceGetUUID", get_uuid(dev, text, sizeof text - 1))) device.uuid = text;
    nvmlPciInfo_v3_t pci;
    std::memset(&pci, 0, sizeof pci);
    if (get_pci != nullptr && check("nvmlDeviceGetPciInfo_v3", get_pci(dev, &pci))) {
      pci.busId[sizeof pci.busId - 1] = 0;
      device.pci_bus_id = pci.busId;
    }
    nvmlMemory_t memory{};
    if (get_memory != nullptr && check("nvmlDeviceGetMemoryInfo", get_memory(dev, &memory))) device.memory_bytes = memory.total;
    int major = 0, minor = 0;
    if (get_cc != nullptr && check("nvmlDeviceGetCudaComputeCapability", get_cc(dev, &major, &minor))) {
      device.cc_major = major;
      device.cc_minor = minor;
    }
    unsigned int current = 0, pending = 0;
    if (get_ecc_mode != nullptr && check("nvmlDeviceGetEccMode", get_ecc_mode(dev, &current, &pending))) {
      device.ecc_enabled = current != 0;
      device.ecc_pending = pending != 0;
    }
    unsigned long long ecc_count = 0;
    if (get_ecc_count != nullptr && device.ecc_enabled.value_or(false) &&
        check("nvmlDeviceGetTotalEccErrors", get_ecc_count(dev, kNvmlMemoryErrorUncorrected, kNvmlVolatileEcc, &ecc_count)))
      device.ecc_volatile_uncorrected = ecc_count;
    unsigned int value = 0;
    if (get_gen_current != nullptr && check("nvmlDeviceGetCurrPcieLinkGeneration", get_gen_current(dev, &value))) device.pcie_gen_current = value;
    if (get_gen_max != nullptr && check("nvmlDeviceGetMaxPcieLinkGeneration", get_gen_max(dev, &value))) device.pcie_gen_max = value;
    if (get_width_current != nullptr && check("nvmlDeviceGetCurrPcieLinkWidth", get_width_current(dev, &value))) device.pcie_width_current = value;
    if (get_width_max != nullptr && check("nvmlDeviceGetMaxPcieLinkWidth", get_width_max(dev, &value))) device.pcie_width_max = value;
    if (get_temperature != nullptr && check("nvmlDeviceGetTemperature", get_temperature(dev, kNvmlTemperatureGpu, &value))) device.temperature_c = value;
    if (get_persistence != nullptr && check("nvmlDeviceGetPersistenceMode", get_persistence(dev, &value))) device.persistence_mode = value != 0;
    if (get_mig != nullptr && check("nvmlDeviceGetMigMode", get_mig(dev, &current, &pending))) {
      device.mig_current = current;
      device.mig_pending = pending;
    }
    if (get_compute_mode != nullptr && check("nvmlDeviceGetComputeMode", get_compute_mode(dev, &value))) device.compute_mode = value;
    Stage("nvmlDevice health queries");
    health_reader.Read(dev, device.ecc_enabled.has_value(), device.health, check);
    report.devices.push_back(device);
    handles.push_back(dev);
  }
  if (busy_pcie_reread && get_gen_current != nullptr && get_width_current != nullptr) {
    for (size_t i = 0; i < report.devices.size(); ++i) {
      NvmlDevice& device = report.devices[i];
      const bool below_max = device.pcie_gen_current.value_or(0) < device.pcie_gen_max.value_or(0) ||
                             device.pcie_width_current.value_or(0) < device.pcie_width_max.value_or(0);
      if (handles[i] == nullptr || !below_max) continue;
      if (cuda_handle == nullptr) {
        device.health.pcie_busy_note = "CUDA is unusable, so the GPU could not be kept busy";
        continue;
      }
      int ordinal = -1;
      for (const CudaDevice& cuda : cuda_devices)
        if (cuda.pci_bus_id.has_value() && device.pci_bus_id.has_value() && SamePciAddress(*cuda.pci_bus_id, *device.pci_bus_id)) ordinal = cuda.ordinal;
      if (ordinal < 0) {
        device.health.pcie_busy_note = "CUDA does not show this GPU (CUDA_VISIBLE_DEVICES?), so it could not be kept busy";
        continue;
      }
      Stage("PCIe busy re-read (cuMemcpyHtoD)");
      unsigned int gen = 0, width = 0;
      auto sample = [&]() {
        if (get_gen_current(handles[i], &gen) != 0 || get_width_current(handles[i], &width) != 0) return false;
        // The best the link reached under load is what it can do.
        device.health.pcie_gen_busy = std::max(gen, device.health.pcie_gen_busy.value_or(0));
        device.health.pcie_width_busy = std::max(width, device.health.pcie_width_busy.value_or(0));
        return *device.health.pcie_gen_busy >= device.pcie_gen_max.value_or(0) && *device.health.pcie_width_busy >= device.pcie_width_max.value_or(0);
      };
      std::string note = KeepPcieLinkBusy(cuda_handle, ordinal, kPcieBusyBudgetMs, sample);
      if (!note.empty()) device.health.pcie_busy_note = note;
    }
  }
  if (nvml_shutdown != nullptr) {
    Stage("nvmlShutdown");
    nvml_shutdown();
  }
}

}  // namespace

GpuReport ProbeGpus(const GpuProbeOptions& options) {
  GpuReport report;
  report.cuda.library = options.cuda_library;
  report.nvml.library = options.nvml_library;
  void* cuda_handle = ProbeCuda(report.cuda);
  if (options.use_nvml) ProbeNvml(report.nvml, cuda_handle, report.cuda.devices, options.busy_pcie_reread);
  Stage("done");
  return report;
}

const char* CurrentGpuStage() { return g_stage.load(); }

}  // namespace mlcheck
