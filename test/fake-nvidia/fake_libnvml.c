/*
 * A fake libnvidia-ml.so.1. NVML enumerates the devices in reverse CUDA order, as real nodes
 * often do, so the probe must match them by UUID. Build with -DFAKE_NVML_OMIT_OPTIONAL to
 * leave out nvmlDeviceGetMigMode and nvmlDeviceGetTemperature, with -DFAKE_NVML_OMIT_HEALTH to
 * leave out every health function (a driver too old for them), and with -DFAKE_NVML_BEFORE_R535
 * to have only nvmlDeviceGetCurrentClocksThrottleReasons, not its R535 name ...ClocksEventReasons.
 */
#include <dlfcn.h>
#include <stdio.h>

#include "fake_devices.h"

typedef int nvmlReturn_t;
typedef struct { unsigned long long total, free, used; } nvmlMemory_t;
typedef struct {
  char busIdLegacy[16];
  unsigned int domain, bus, device, pciDeviceId, pciSubSystemId;
  char busId[32];
} nvmlPciInfo_t;
typedef const FakeDevice* nvmlDevice_t;

#define NVML_ERROR_UNINITIALIZED 1
#define NVML_ERROR_INVALID_ARGUMENT 2
#define NVML_ERROR_NOT_SUPPORTED 3
#define NVML_ERROR_INSUFFICIENT_SIZE 7
#define NVML_ERROR_CORRUPTED_INFOROM 14

/* The scenario's answer to every health query, when it has one (NOT_SUPPORTED, FUNCTION_NOT_FOUND). */
static int health_answer(void) { return fake_scenario()->health_answer; }

/* True while mlcheck keeps this GPU busy through the fake libcuda (already loaded by the probe). */
static int link_busy(nvmlDevice_t d) {
  static int (*busy)(unsigned int) = NULL;
  if (busy == NULL) {
    void* cuda = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_NOLOAD);
    if (cuda != NULL) busy = (int (*)(unsigned int))dlsym(cuda, "mlcheck_fake_link_busy");
  }
  return busy != NULL && busy(d->pci_bus);
}

static int initialized = 0;

nvmlReturn_t nvmlInit_v2(void) {
  initialized = 1;
  return 0;
}

nvmlReturn_t nvmlShutdown(void) {
  initialized = 0;
  return 0;
}

nvmlReturn_t nvmlSystemGetDriverVersion(char* version, unsigned int length) {
  snprintf(version, length, "550.54.15");
  return 0;
}

nvmlReturn_t nvmlSystemGetCudaDriverVersion_v2(int* version) {
  *version = fake_cuda_driver_version();
  return 0;
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int* count) {
  if (!initialized) return NVML_ERROR_UNINITIALIZED;
  *count = (unsigned int)fake_scenario()->count;
  return 0;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t* device) {
  const FakeScenario* s = fake_scenario();
  if (!initialized) return NVML_ERROR_UNINITIALIZED;
  if (index >= (unsigned int)s->count) return NVML_ERROR_INVALID_ARGUMENT;
  *device = &s->devices[s->count - 1 - (int)index];
  return 0;
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t d, char* name, unsigned int length) {
  snprintf(name, length, "%s", d->name);
  return 0;
}

nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t d, char* uuid, unsigned int length) {
  unsigned char b[16];
  fake_uuid(d, b);
  snprintf(uuid, length, "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4],
           b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return 0;
}

nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t d, nvmlPciInfo_t* pci) {
  memset(pci, 0, sizeof *pci);
  pci->bus = d->pci_bus;
  snprintf(pci->busIdLegacy, sizeof pci->busIdLegacy, "0000:%02X:00.0", d->pci_bus);
  snprintf(pci->busId, sizeof pci->busId, "00000000:%02X:00.0", d->pci_bus);
  return 0;
}

nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t d, nvmlMemory_t* memory) {
  memory->total = d->memory_bytes;
  memory->used = 0;
  memory->free = d->memory_bytes;
  return 0;
}

nvmlReturn_t nvmlDeviceGetCudaComputeCapability(nvmlDevice_t d, int* major, int* minor) {
  *major = d->cc_major;
  *minor = d->cc_minor;
  return 0;
}

nvmlReturn_t nvmlDeviceGetEccMode(nvmlDevice_t d, unsigned int* current, unsigned int* pending) {
  if (health_answer() != 0) return health_answer();
  if (d->ecc < 0) return NVML_ERROR_NOT_SUPPORTED;
  *current = (unsigned int)d->ecc;
  *pending = (unsigned int)(d->ecc_pending_differs ? !d->ecc : d->ecc);
  return 0;
}

/* counter_type 0: volatile (since the last driver load), 1: aggregate (the GPU's lifetime). */
nvmlReturn_t nvmlDeviceGetTotalEccErrors(nvmlDevice_t d, int error_type, int counter_type, unsigned long long* count) {
  if (health_answer() != 0) return health_answer();
  if (d->ecc < 0) return NVML_ERROR_NOT_SUPPORTED;
  if (error_type != 1 || (counter_type != 0 && counter_type != 1)) return NVML_ERROR_INVALID_ARGUMENT;
  *count = counter_type == 0 ? d->ecc_uncorrected : d->ecc_aggregate_uncorrected;
  return 0;
}

nvmlReturn_t nvmlDeviceGetCurrPcieLinkGeneration(nvmlDevice_t d, unsigned int* value) {
  if (health_answer() != 0) return health_answer();
  *value = link_busy(d) && d->pcie_gen_busy != 0 ? d->pcie_gen_busy : d->pcie_gen_current;
  return 0;
}

nvmlReturn_t nvmlDeviceGetMaxPcieLinkGeneration(nvmlDevice_t d, unsigned int* value) {
  if (health_answer() != 0) return health_answer();
  *value = d->pcie_gen_max;
  return 0;
}

nvmlReturn_t nvmlDeviceGetCurrPcieLinkWidth(nvmlDevice_t d, unsigned int* value) {
  if (health_answer() != 0) return health_answer();
  *value = link_busy(d) && d->pcie_width_busy != 0 ? d->pcie_width_busy : d->pcie_width_current;
  return 0;
}

nvmlReturn_t nvmlDeviceGetMaxPcieLinkWidth(nvmlDevice_t d, unsigned int* value) {
  if (health_answer() != 0) return health_answer();
  *value = d->pcie_width_max;
  return 0;
}

nvmlReturn_t nvmlDeviceGetPersistenceMode(nvmlDevice_t d, unsigned int* mode) {
  if (health_answer() != 0) return health_answer();
  *mode = (unsigned int)d->persistence;
  return 0;
}

nvmlReturn_t nvmlDeviceGetComputeMode(nvmlDevice_t d, unsigned int* mode) {
  *mode = (unsigned int)d->compute_mode;
  return 0;
}

#ifndef FAKE_NVML_OMIT_OPTIONAL
nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t d, int sensor, unsigned int* value) {
  if (sensor != 0) return NVML_ERROR_INVALID_ARGUMENT;
  *value = d->temperature_c;
  return 0;
}

nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t d, unsigned int* current, unsigned int* pending) {
  if (d->mig < 0) return NVML_ERROR_NOT_SUPPORTED;
  *current = (unsigned int)d->mig;
  *pending = (unsigned int)d->mig;
  return 0;
}
#endif

#ifndef FAKE_NVML_OMIT_HEALTH
/* Signatures as in the NVML API Reference; pages are retired on GPUs before Ampere. */
nvmlReturn_t nvmlDeviceGetRetiredPages(nvmlDevice_t d, int cause, unsigned int* page_count, unsigned long long* addresses) {
  if (health_answer() != 0) return health_answer();
  if (d->retired_pages_unsupported) return NVML_ERROR_NOT_SUPPORTED;
  if (cause != 0 && cause != 1) return NVML_ERROR_INVALID_ARGUMENT;
  unsigned int pages = cause == 0 ? d->retired_single_bit : d->retired_double_bit;
  if (*page_count < pages) {
    *page_count = pages;
    return NVML_ERROR_INSUFFICIENT_SIZE;
  }
  for (unsigned int i = 0; i < pages; ++i) addresses[i] = 0x1000ULL * (i + 1);
  *page_count = pages;
  return 0;
}

nvmlReturn_t nvmlDeviceGetRetiredPagesPendingStatus(nvmlDevice_t d, int* is_pending) {
  if (health_answer() != 0) return health_answer();
  if (d->retired_pages_unsupported) return NVML_ERROR_NOT_SUPPORTED;
  *is_pending = d->retired_pending;
  return 0;
}

nvmlReturn_t nvmlDeviceGetRemappedRows(nvmlDevice_t d, unsigned int* correctable, unsigned int* uncorrectable, unsigned int* pending,
                                       unsigned int* failure) {
  if (health_answer() != 0) return health_answer();
  if (!d->retired_pages_unsupported) return NVML_ERROR_NOT_SUPPORTED;
  *correctable = d->remapped_correctable;
  *uncorrectable = d->remapped_uncorrectable;
  *pending = (unsigned int)d->remap_pending;
  *failure = (unsigned int)d->remap_failure;
  return 0;
}

nvmlReturn_t nvmlDeviceGetCurrentClocksThrottleReasons(nvmlDevice_t d, unsigned long long* reasons) {
  if (health_answer() != 0) return health_answer();
  *reasons = d->clocks_event_reasons;
  return 0;
}

#ifndef FAKE_NVML_BEFORE_R535
nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t d, unsigned long long* reasons) {
  return nvmlDeviceGetCurrentClocksThrottleReasons(d, reasons);
}
#endif

nvmlReturn_t nvmlDeviceValidateInforom(nvmlDevice_t d) {
  if (health_answer() != 0) return health_answer();
  return d->inforom_corrupt ? NVML_ERROR_CORRUPTED_INFOROM : 0;
}

typedef struct {
  unsigned int pid;
  unsigned long long usedGpuMemory;
  unsigned int gpuInstanceId, computeInstanceId;
} nvmlProcessInfo_t;

nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t d, unsigned int* count, nvmlProcessInfo_t* infos) {
  if (health_answer() != 0) return health_answer();
  unsigned int running = (unsigned int)d->other_processes;
  if (running == 0) {
    *count = 0;
    return 0;
  }
  if (infos == NULL || *count < running) {
    *count = running;
    return NVML_ERROR_INSUFFICIENT_SIZE;
  }
  for (unsigned int i = 0; i < running; ++i) {
    infos[i].pid = 4242 + i;
    infos[i].usedGpuMemory = 1ULL << 30;
    infos[i].gpuInstanceId = 0xffffffff;
    infos[i].computeInstanceId = 0xffffffff;
  }
  *count = running;
  return 0;
}
#endif
