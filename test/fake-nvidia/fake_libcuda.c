/*
 * A fake libcuda.so.1 exporting the CUDA driver API calls mlcheck's probe makes. Host-to-device
 * copies mark the device's PCIe link busy until its context is destroyed; the fake NVML asks
 * mlcheck_fake_link_busy() for that, as a real link trains up under load.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fake_devices.h"

typedef int CUresult;
typedef int CUdevice;
typedef struct { unsigned char bytes[16]; } CUuuid;
typedef unsigned long long CUdeviceptr;
typedef struct FakeContext {
  const FakeDevice* device;
} *CUcontext;

static int initialized = 0;
static CUcontext current_context = NULL;
static int link_busy[256];

static const FakeDevice* device_at(CUdevice ordinal) {
  int map[16];
  int visible = fake_visible_devices(map, 16);
  return ordinal >= 0 && ordinal < visible ? &fake_scenario()->devices[map[ordinal]] : NULL;
}

CUresult cuDriverGetVersion(int* version) {
  *version = fake_cuda_driver_version();
  return 0;
}

CUresult cuInit(unsigned int flags) {
  const FakeScenario* s = fake_scenario();
  (void)flags;
  if (s->hang_in_cu_init) sleep(600);
  if (s->cu_init_result != 0) return s->cu_init_result;
  /* CUDA_VISIBLE_DEVICES that names no usable device ("NoDevFiles", "", "-1"): no device at all. */
  int map[16], hidden = 0;
  if (s->count > 0 && fake_visible_devices_of(map, 16, &hidden) == 0 && hidden) return 100; /* CUDA_ERROR_NO_DEVICE */
  initialized = 1;
  return 0;
}

CUresult cuDeviceGetCount(int* count) {
  if (!initialized) return 3; /* CUDA_ERROR_NOT_INITIALIZED */
  int map[16];
  *count = fake_visible_devices(map, 16);
  return 0;
}

CUresult cuDeviceGet(CUdevice* device, int ordinal) {
  if (!initialized) return 3;
  if (device_at(ordinal) == NULL) return 101; /* CUDA_ERROR_INVALID_DEVICE */
  *device = ordinal;
  return 0;
}

CUresult cuDeviceGetName(char* name, int length, CUdevice device) {
  const FakeDevice* d = device_at(device);
  if (d == NULL) return 101;
  snprintf(name, (size_t)length, "%s", d->name);
  return 0;
}

CUresult cuDeviceTotalMem_v2(size_t* bytes, CUdevice device) {
  const FakeDevice* d = device_at(device);
  if (d == NULL) return 101;
  *bytes = (size_t)d->memory_bytes;
  return 0;
}

CUresult cuDeviceGetAttribute(int* value, int attribute, CUdevice device) {
  const FakeDevice* d = device_at(device);
  if (d == NULL) return 101;
  switch (attribute) {
    case 16: *value = d->multiprocessors; return 0;
    case 32: *value = d->ecc > 0; return 0;
    case 75: *value = d->cc_major; return 0;
    case 76: *value = d->cc_minor; return 0;
    default: return 1; /* CUDA_ERROR_INVALID_VALUE */
  }
}

CUresult cuDeviceGetUuid(CUuuid* uuid, CUdevice device) {
  const FakeDevice* d = device_at(device);
  if (d == NULL) return 101;
  fake_uuid(d, uuid->bytes);
  return 0;
}

CUresult cuDeviceGetPCIBusId(char* bus_id, int length, CUdevice device) {
  const FakeDevice* d = device_at(device);
  if (d == NULL) return 101;
  snprintf(bus_id, (size_t)length, "0000:%02X:00.0", d->pci_bus);
  return 0;
}

CUresult cuCtxCreate_v2(CUcontext* context, unsigned int flags, CUdevice device) {
  const FakeDevice* d = device_at(device);
  (void)flags;
  if (!initialized) return 3;
  if (d == NULL) return 101;
  if (fake_scenario()->ctx_create_result != 0) return fake_scenario()->ctx_create_result;
  *context = malloc(sizeof **context);
  (*context)->device = d;
  current_context = *context;
  return 0;
}

CUresult cuCtxDestroy_v2(CUcontext context) {
  if (context == NULL) return 201; /* CUDA_ERROR_INVALID_CONTEXT */
  link_busy[context->device->pci_bus & 0xff] = 0;
  if (current_context == context) current_context = NULL;
  free(context);
  return 0;
}

CUresult cuMemAlloc_v2(CUdeviceptr* pointer, size_t bytes) {
  if (current_context == NULL) return 201;
  *pointer = 0x100000000ULL + bytes;
  return 0;
}

CUresult cuMemFree_v2(CUdeviceptr pointer) {
  (void)pointer;
  return current_context == NULL ? 201 : 0;
}

CUresult cuMemcpyHtoD_v2(CUdeviceptr destination, const void* source, size_t bytes) {
  (void)destination;
  (void)source;
  (void)bytes;
  if (current_context == NULL) return 201;
  link_busy[current_context->device->pci_bus & 0xff] = 1;
  usleep(500);
  return 0;
}

/* Not part of CUDA: lets the fake NVML see the load mlcheck puts on a GPU. */
int mlcheck_fake_link_busy(unsigned int pci_bus) { return link_busy[pci_bus & 0xff]; }
