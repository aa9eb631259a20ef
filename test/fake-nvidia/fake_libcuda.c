/* A fake libcuda.so.1 exporting the CUDA driver API calls mlcheck's probe makes. */
#include <stdio.h>
#include <unistd.h>

#include "fake_devices.h"

typedef int CUresult;
typedef int CUdevice;
typedef struct { unsigned char bytes[16]; } CUuuid;

static int initialized = 0;

static const FakeDevice* device_at(CUdevice ordinal) {
  int map[16];
  int visible = fake_visible_devices(map, 16);
  return ordinal >= 0 && ordinal < visible ? &fake_scenario()->devices[map[ordinal]] : NULL;
}

CUresult cuDriverGetVersion(int* version) {
  *version = 12040;
  return 0;
}

CUresult cuInit(unsigned int flags) {
  const FakeScenario* s = fake_scenario();
  (void)flags;
  if (s->hang_in_cu_init) sleep(600);
  if (s->cu_init_result != 0) return s->cu_init_result;
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
