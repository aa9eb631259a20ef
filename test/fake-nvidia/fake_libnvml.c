/*
 * A fake libnvidia-ml.so.1. NVML enumerates the devices in reverse CUDA order, as real nodes
 * often do, so the probe must match them by UUID. Build with -DFAKE_NVML_OMIT_OPTIONAL to
 * leave out nvmlDeviceGetMigMode and nvmlDeviceGetTemperature.
 */
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
  *version = 12040;
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
  if (d->ecc < 0) return NVML_ERROR_NOT_SUPPORTED;
  *current = (unsigned int)d->ecc;
  *pending = (unsigned int)d->ecc;
  return 0;
}

nvmlReturn_t nvmlDeviceGetTotalEccErrors(nvmlDevice_t d, int error_type, int counter_type, unsigned long long* count) {
  if (d->ecc < 0) return NVML_ERROR_NOT_SUPPORTED;
  if (error_type != 1 || counter_type != 0) return NVML_ERROR_INVALID_ARGUMENT;
  *count = d->ecc_uncorrected;
  return 0;
}

nvmlReturn_t nvmlDeviceGetCurrPcieLinkGeneration(nvmlDevice_t d, unsigned int* value) {
  *value = d->pcie_gen_current;
  return 0;
}

nvmlReturn_t nvmlDeviceGetMaxPcieLinkGeneration(nvmlDevice_t d, unsigned int* value) {
  *value = d->pcie_gen_max;
  return 0;
}

nvmlReturn_t nvmlDeviceGetCurrPcieLinkWidth(nvmlDevice_t d, unsigned int* value) {
  *value = d->pcie_width_current;
  return 0;
}

nvmlReturn_t nvmlDeviceGetMaxPcieLinkWidth(nvmlDevice_t d, unsigned int* value) {
  *value = d->pcie_width_max;
  return 0;
}

nvmlReturn_t nvmlDeviceGetPersistenceMode(nvmlDevice_t d, unsigned int* mode) {
  *mode = (unsigned int)d->persistence;
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
