// The Node-API surface of the probe. Converts the plain C++ facts into JS objects; the GPU
// probe runs off the main thread so a driver that hangs cannot freeze the event loop.
#include <napi.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "cpu_probe.h"
#include "process_control.h"
#include "gpu_probe.h"

namespace mlcheck {
namespace {

constexpr int kAddonApiVersion = 5;

// The build defines MLCHECK_SOURCES_SHA256 as sha256_<hex of native/source-hash.cjs>, so the
// binary names the sources it was built from; a build without it says "unknown".
#ifndef MLCHECK_SOURCES_SHA256
#define MLCHECK_SOURCES_SHA256 sha256_unknown
#endif
#define MLCHECK_STRINGIZE_(x) #x
#define MLCHECK_STRINGIZE(x) MLCHECK_STRINGIZE_(x)
const char* const kSourcesSha256 = MLCHECK_STRINGIZE(MLCHECK_SOURCES_SHA256) + sizeof("sha256_") - 1;

template <typename T>
Napi::Value Opt(Napi::Env env, const std::optional<T>& value) {
  if (!value.has_value()) return env.Null();
  if constexpr (std::is_same_v<T, std::string>) return Napi::String::New(env, *value);
  else if constexpr (std::is_same_v<T, bool>) return Napi::Boolean::New(env, *value);
  else return Napi::Number::New(env, static_cast<double>(*value));
}

Napi::Value ProbeCpuJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CpuFacts facts = ProbeCpu();
  Napi::Object out = Napi::Object::New(env);
  out.Set("vendor", facts.vendor);
  out.Set("brand", facts.brand);
  out.Set("family", facts.family);
  out.Set("model", facts.model);
  out.Set("stepping", facts.stepping);
  out.Set("maxLeaf", facts.max_leaf);
  out.Set("maxExtendedLeaf", facts.max_extended_leaf);
  out.Set("logicalCpus", static_cast<double>(facts.logical_cpus));
  Napi::Object os = Napi::Object::New(env);
  os.Set("osxsave", facts.os.osxsave);
  os.Set("xcr0", static_cast<double>(facts.os.xcr0));
  os.Set("xmm", facts.os.xmm);
  os.Set("ymm", facts.os.ymm);
  os.Set("zmmOpmask", facts.os.zmm_opmask);
  os.Set("zmmHi256", facts.os.zmm_hi256);
  os.Set("zmmHi16", facts.os.zmm_hi16);
  os.Set("amxTileCfg", facts.os.amx_tile_cfg);
  os.Set("amxTile", facts.os.amx_tile_data);
  out.Set("osEnabled", os);
  Napi::Object cpuid = Napi::Object::New(env);
  Napi::Object usable = Napi::Object::New(env);
  for (const CpuFeature& feature : facts.features) {
    cpuid.Set(feature.name, feature.listed);
    usable.Set(feature.name, feature.usable);
  }
  out.Set("cpuid", cpuid);
  out.Set("features", usable);
  return out;
}

Napi::Value TotalMemoryBytesJs(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(TotalMemoryBytes()));
}

Napi::Value GpuStageJs(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), CurrentGpuStage()); }

Napi::Value FailureJs(Napi::Env env, const std::optional<LibraryFailure>& failure) {
  if (!failure.has_value()) return env.Null();
  Napi::Object out = Napi::Object::New(env);
  out.Set("library", failure->library);
  out.Set("function", failure->function.empty() ? env.Null() : Napi::String::New(env, failure->function));
  out.Set("code", Opt(env, failure->code));
  out.Set("codeName", failure->code_name.empty() ? env.Null() : Napi::String::New(env, failure->code_name));
  out.Set("message", failure->message);
  out.Set("libraryMissing", failure->library_missing);
  return out;
}

Napi::Array Strings(Napi::Env env, const std::vector<std::string>& values) {
  Napi::Array out = Napi::Array::New(env, values.size());
  for (size_t i = 0; i < values.size(); ++i) out.Set(i, values[i]);
  return out;
}

Napi::Object HealthJs(Napi::Env env, const NvmlHealth& h) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("eccAggregateUncorrected", Opt(env, h.ecc_aggregate_uncorrected));
  o.Set("retiredPagesSingleBit", Opt(env, h.retired_pages_single_bit));
  o.Set("retiredPagesDoubleBit", Opt(env, h.retired_pages_double_bit));
  o.Set("retiredPagesPending", Opt(env, h.retired_pages_pending));
  o.Set("remappedRowsCorrectable", Opt(env, h.remapped_rows_correctable));
  o.Set("remappedRowsUncorrectable", Opt(env, h.remapped_rows_uncorrectable));
  o.Set("rowRemapPending", Opt(env, h.row_remap_pending));
  o.Set("rowRemapFailure", Opt(env, h.row_remap_failure));
  o.Set("clocksEventReasons", Opt(env, h.clocks_event_reasons));
  o.Set("clocksEventReasonsHeld", Opt(env, h.clocks_event_reasons_held));
  o.Set("clocksFunction", h.clocks_function.empty() ? env.Null() : Napi::String::New(env, h.clocks_function));
  o.Set("inforomValid", Opt(env, h.inforom_valid));
  if (h.compute_processes.has_value()) {
    Napi::Array processes = Napi::Array::New(env, h.compute_processes->size());
    for (size_t i = 0; i < h.compute_processes->size(); ++i) {
      Napi::Object p = Napi::Object::New(env);
      p.Set("pid", (*h.compute_processes)[i].pid);
      p.Set("usedMemoryBytes", Opt(env, (*h.compute_processes)[i].used_memory_bytes));
      processes.Set(i, p);
    }
    o.Set("computeProcesses", processes);
  } else {
    o.Set("computeProcesses", env.Null());
  }
  o.Set("pcieGenBusy", Opt(env, h.pcie_gen_busy));
  o.Set("pcieWidthBusy", Opt(env, h.pcie_width_busy));
  o.Set("pcieBusyNote", Opt(env, h.pcie_busy_note));
  return o;
}

Napi::Object GpuReportJs(Napi::Env env, const GpuReport& report) {
  Napi::Object cuda = Napi::Object::New(env);
  cuda.Set("library", report.cuda.library);
  cuda.Set("loaded", report.cuda.loaded);
  cuda.Set("failure", FailureJs(env, report.cuda.failure));
  cuda.Set("driverVersion", Opt(env, report.cuda.driver_version));
  cuda.Set("missingSymbols", Strings(env, report.cuda.missing_symbols));
  Napi::Array cuda_devices = Napi::Array::New(env, report.cuda.devices.size());
  for (size_t i = 0; i < report.cuda.devices.size(); ++i) {
    const CudaDevice& d = report.cuda.devices[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("ordinal", d.ordinal);
    o.Set("name", Opt(env, d.name));
    o.Set("uuid", Opt(env, d.uuid));
    o.Set("pciBusId", Opt(env, d.pci_bus_id));
    o.Set("ccMajor", Opt(env, d.cc_major));
    o.Set("ccMinor", Opt(env, d.cc_minor));
    o.Set("multiprocessors", Opt(env, d.multiprocessors));
    o.Set("eccEnabled", Opt(env, d.ecc_enabled));
    o.Set("memoryBytes", Opt(env, d.memory_bytes));
    o.Set("errors", Strings(env, d.errors));
    cuda_devices.Set(i, o);
  }
  cuda.Set("devices", cuda_devices);

  Napi::Object nvml = Napi::Object::New(env);
  nvml.Set("library", report.nvml.library);
  nvml.Set("loaded", report.nvml.loaded);
  nvml.Set("failure", FailureJs(env, report.nvml.failure));
  nvml.Set("driverVersion", Opt(env, report.nvml.driver_version));
  nvml.Set("cudaDriverVersion", Opt(env, report.nvml.cuda_driver_version));
  nvml.Set("missingSymbols", Strings(env, report.nvml.missing_symbols));
  Napi::Array nvml_devices = Napi::Array::New(env, report.nvml.devices.size());
  for (size_t i = 0; i < report.nvml.devices.size(); ++i) {
    const NvmlDevice& d = report.nvml.devices[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("index", d.index);
    o.Set("name", Opt(env, d.name));
    o.Set("uuid", Opt(env, d.uuid));
    o.Set("pciBusId", Opt(env, d.pci_bus_id));
    o.Set("memoryBytes", Opt(env, d.memory_bytes));
    o.Set("ccMajor", Opt(env, d.cc_major));
    o.Set("ccMinor", Opt(env, d.cc_minor));
    o.Set("eccEnabled", Opt(env, d.ecc_enabled));
    o.Set("eccPending", Opt(env, d.ecc_pending));
    o.Set("eccVolatileUncorrected", Opt(env, d.ecc_volatile_uncorrected));
    o.Set("pcieGenCurrent", Opt(env, d.pcie_gen_current));
    o.Set("pcieGenMax", Opt(env, d.pcie_gen_max));
    o.Set("pcieWidthCurrent", Opt(env, d.pcie_width_current));
    o.Set("pcieWidthMax", Opt(env, d.pcie_width_max));
    o.Set("temperatureC", Opt(env, d.temperature_c));
    o.Set("persistenceMode", Opt(env, d.persistence_mode));
    o.Set("migCurrent", Opt(env, d.mig_current));
    o.Set("migPending", Opt(env, d.mig_pending));
    o.Set("computeMode", Opt(env, d.compute_mode));
    o.Set("health", HealthJs(env, d.health));
    Napi::Object unsupported = Napi::Object::New(env);
    for (const auto& [function, code] : d.unsupported) unsupported.Set(function, code);
    o.Set("unsupported", unsupported);
    o.Set("errors", Strings(env, d.errors));
    nvml_devices.Set(i, o);
  }
  nvml.Set("devices", nvml_devices);

  Napi::Object out = Napi::Object::New(env);
  out.Set("cuda", cuda);
  out.Set("nvml", nvml);
  return out;
}

// The GPU probe runs on its own detached thread, not on libuv's pool: a driver call that never
// returns would otherwise block process exit, which joins the pool's threads.
struct GpuProbeJob {
  Napi::Promise::Deferred deferred;
  Napi::ThreadSafeFunction done;
  GpuProbeOptions options;
  GpuReport report;
};

// Jobs still waiting on the driver; touched only on the JS thread.
std::vector<GpuProbeJob*> g_pending_jobs;

std::string StringOption(const Napi::Object& options, const char* key, const char* fallback) {
  Napi::Value value = options.Get(key);
  return value.IsString() ? value.As<Napi::String>().Utf8Value() : fallback;
}

bool BoolOption(const Napi::Object& options, const char* key, bool fallback) {
  Napi::Value value = options.Get(key);
  return value.IsBoolean() ? value.As<Napi::Boolean>().Value() : fallback;
}

Napi::Value ProbeGpusJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object options = info.Length() > 0 && info[0].IsObject() ? info[0].As<Napi::Object>() : Napi::Object::New(env);
  GpuProbeOptions probe_options;
  probe_options.cuda_library = StringOption(options, "cudaLibrary", "libcuda.so.1");
  probe_options.nvml_library = StringOption(options, "nvmlLibrary", "libnvidia-ml.so.1");
  probe_options.use_nvml = BoolOption(options, "nvml", true);
  probe_options.busy_pcie_reread = BoolOption(options, "busyPcieReread", true);
  auto* job = new GpuProbeJob{Napi::Promise::Deferred::New(env), Napi::ThreadSafeFunction(), probe_options, GpuReport()};
  job->done = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}), "mlcheck gpu probe", 0, 1);
  g_pending_jobs.push_back(job);
  Napi::Promise promise = job->deferred.Promise();
  std::thread([job]() {
    job->report = ProbeGpus(job->options);
    Napi::ThreadSafeFunction done = job->done;
    done.BlockingCall(job, [](Napi::Env env, Napi::Function, GpuProbeJob* finished) {
      finished->deferred.Resolve(GpuReportJs(env, finished->report));
      auto& pending = g_pending_jobs;
      pending.erase(std::remove(pending.begin(), pending.end(), finished), pending.end());
      delete finished;
    });
    done.Release();
  }).detach();
  return promise;
}

// Lets the process exit although a driver call has not returned (the caller gave up waiting).
Napi::Value AbandonGpuProbesJs(const Napi::CallbackInfo& info) {
  for (GpuProbeJob* job : g_pending_jobs) job->done.Unref(info.Env());
  return Napi::Number::New(info.Env(), static_cast<double>(g_pending_jobs.size()));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("apiVersion", Napi::Number::New(env, kAddonApiVersion));
  exports.Set("sourcesSha256", Napi::String::New(env, kSourcesSha256));
  exports.Set("probeCpu", Napi::Function::New(env, ProbeCpuJs, "probeCpu"));
  exports.Set("totalMemoryBytes", Napi::Function::New(env, TotalMemoryBytesJs, "totalMemoryBytes"));
  exports.Set("probeGpus", Napi::Function::New(env, ProbeGpusJs, "probeGpus"));
  exports.Set("gpuStage", Napi::Function::New(env, GpuStageJs, "gpuStage"));
  exports.Set("abandonGpuProbes", Napi::Function::New(env, AbandonGpuProbesJs, "abandonGpuProbes"));
  exports.Set("setParentDeathSignal", Napi::Function::New(env, SetParentDeathSignalJs, "setParentDeathSignal"));
  return exports;
}

}  // namespace
}  // namespace mlcheck

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return mlcheck::Init(env, exports); }

NODE_API_MODULE(mlcheck_native, InitAddon)
