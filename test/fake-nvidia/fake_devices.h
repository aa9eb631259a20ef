/*
 * A fake NVIDIA node for mlcheck's tests: the devices and failures of each scenario, chosen
 * with the environment variable MLCHECK_FAKE_GPUS (default "mixed"). Shared by the fake
 * libcuda.so.1 and libnvidia-ml.so.1 so both libraries describe the same GPUs.
 */
#ifndef MLCHECK_FAKE_DEVICES_H
#define MLCHECK_FAKE_DEVICES_H

#include <stdlib.h>
#include <string.h>

typedef struct {
  const char* name;
  int cc_major, cc_minor;
  unsigned long long memory_bytes;
  int multiprocessors;
  unsigned char uuid_seed;
  unsigned int pci_bus;
  int ecc; /* -1: not supported */
  unsigned long long ecc_uncorrected;
  unsigned int pcie_gen_current, pcie_gen_max, pcie_width_current, pcie_width_max;
  unsigned int temperature_c;
  int persistence;
  int mig; /* -1: not supported */
} FakeDevice;

typedef struct {
  const char* id;
  int cu_init_result;
  int hang_in_cu_init;
  int count;
  const FakeDevice* devices;
} FakeScenario;

static const FakeDevice kMixed[] = {
    {"Tesla K40c", 3, 5, 11996954624ULL, 15, 0x40, 0x04, 1, 0, 3, 3, 16, 16, 41, 1, -1},
    {"Tesla P100-PCIE-16GB", 6, 0, 17071734784ULL, 56, 0x60, 0x3b, 1, 2, 3, 3, 16, 16, 38, 1, -1},
    {"NVIDIA A100-SXM4-40GB", 8, 0, 42505273344ULL, 108, 0x80, 0x86, 1, 0, 4, 4, 16, 16, 33, 1, 0},
    {"NVIDIA H100 80GB HBM3", 9, 0, 85520809984ULL, 132, 0x90, 0xaf, 1, 0, 5, 5, 8, 16, 36, 0, 1},
};
static const FakeDevice kGtx680[] = {
    {"GeForce GTX 680", 3, 0, 2147155968ULL, 8, 0x68, 0x01, -1, 0, 2, 3, 16, 16, 45, 0, -1},
};
static const FakeDevice kModern[] = {
    {"NVIDIA A100-SXM4-40GB", 8, 0, 42505273344ULL, 108, 0x80, 0x07, 1, 0, 4, 4, 16, 16, 33, 1, 0},
    {"NVIDIA H100 80GB HBM3", 9, 0, 85520809984ULL, 132, 0x90, 0x08, 1, 0, 5, 5, 16, 16, 36, 1, 0},
};

static const FakeScenario kScenarios[] = {
    {"mixed", 0, 0, 4, kMixed},
    {"gtx680", 0, 0, 1, kGtx680},
    {"modern", 0, 0, 2, kModern},
    {"zero", 0, 0, 0, kMixed},
    {"cuinit-100", 100, 0, 0, kMixed},
    {"cuinit-35", 35, 0, 0, kMixed},
    {"cuinit-999", 999, 0, 0, kMixed},
    {"hang", 0, 1, 4, kMixed},
};

static const FakeScenario* fake_scenario(void) {
  const char* id = getenv("MLCHECK_FAKE_GPUS");
  if (id == NULL || *id == 0) id = "mixed";
  for (size_t i = 0; i < sizeof kScenarios / sizeof kScenarios[0]; ++i)
    if (strcmp(kScenarios[i].id, id) == 0) return &kScenarios[i];
  return &kScenarios[0];
}

/*
 * The real libcuda.so.1 shows only the devices CUDA_VISIBLE_DEVICES names (indices here), in
 * that order, and stops at the first entry it cannot use; NVML ignores the variable.
 * Returns how many are visible and fills map[visible ordinal] = scenario index.
 */
static inline int fake_visible_devices(int map[], int capacity) {
  const FakeScenario* s = fake_scenario();
  const char* visible = getenv("CUDA_VISIBLE_DEVICES");
  int count = 0;
  if (visible == NULL) {
    for (int i = 0; i < s->count && count < capacity; ++i) map[count++] = i;
    return count;
  }
  const char* p = visible;
  while (*p != 0 && count < capacity) {
    char* end = NULL;
    long index = strtol(p, &end, 10);
    if (end == p || index < 0 || index >= s->count) break;
    map[count++] = (int)index;
    p = end;
    if (*p == ',') ++p; else break;
  }
  return count;
}

static void fake_uuid(const FakeDevice* device, unsigned char out[16]) {
  for (int i = 0; i < 16; ++i) out[i] = (unsigned char)(device->uuid_seed + i * 17);
}

#endif
