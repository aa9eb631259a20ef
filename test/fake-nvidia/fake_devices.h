/*
 * A fake NVIDIA node for mlcheck's tests: the devices and failures of each scenario, chosen
 * with the environment variable MLCHECK_FAKE_GPUS (default "mixed"). Shared by the fake
 * libcuda.so.1 and libnvidia-ml.so.1 so both libraries describe the same GPUs.
 */
#ifndef MLCHECK_FAKE_DEVICES_H
#define MLCHECK_FAKE_DEVICES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
  /* Health, zero when nominal. */
  int ecc_pending_differs;
  unsigned long long ecc_aggregate_uncorrected;
  int retired_pages_unsupported; /* GPUs with row remapping (Ampere and later) */
  unsigned int retired_single_bit, retired_double_bit;
  int retired_pending;
  unsigned int remapped_correctable, remapped_uncorrectable;
  int remap_pending, remap_failure;
  unsigned long long clocks_event_reasons;
  int inforom_corrupt;
  unsigned int pcie_gen_busy, pcie_width_busy; /* the link while the GPU is busy; 0: as when idle */
  int other_processes;
  int compute_mode; /* nvmlComputeMode_t: 0 DEFAULT, 2 PROHIBITED, 3 EXCLUSIVE_PROCESS */
} FakeDevice;

typedef struct {
  const char* id;
  int cu_init_result;
  int hang_in_cu_init;
  int count;
  const FakeDevice* devices;
  /* nvmlReturn_t every health query answers (3 NOT_SUPPORTED, 13 FUNCTION_NOT_FOUND); 0: the device's values. */
  int health_answer;
  int cuda_driver_version; /* 0: 12040 (CUDA 12.4) */
  int ctx_create_result;   /* CUresult of cuCtxCreate_v2 */
  /*
   * 1: CUDA numbers the devices fastest first, as the real libcuda.so.1 does unless
   * CUDA_DEVICE_ORDER=PCI_BUS_ID (the other scenarios list their devices in an order where both agree).
   */
  int cuda_fastest_first;
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

/* Nominal data-center GPUs; a scenario overrides one field after these (later designators win). */
#define FAKE_A100(bus, seed)                                                                                          \
  .name = "NVIDIA A100-SXM4-40GB", .cc_major = 8, .cc_minor = 0, .memory_bytes = 42505273344ULL, .multiprocessors = 108, \
  .uuid_seed = (seed), .pci_bus = (bus), .ecc = 1, .pcie_gen_current = 4, .pcie_gen_max = 4, .pcie_width_current = 16,  \
  .pcie_width_max = 16, .temperature_c = 33, .persistence = 1, .mig = 0, .retired_pages_unsupported = 1,                 \
  .clocks_event_reasons = 0x1
#define FAKE_H100(bus, seed)                                                                                          \
  .name = "NVIDIA H100 80GB HBM3", .cc_major = 9, .cc_minor = 0, .memory_bytes = 85520809984ULL, .multiprocessors = 132, \
  .uuid_seed = (seed), .pci_bus = (bus), .ecc = 1, .pcie_gen_current = 5, .pcie_gen_max = 5, .pcie_width_current = 16,  \
  .pcie_width_max = 16, .temperature_c = 31, .persistence = 1, .mig = 0, .retired_pages_unsupported = 1,                 \
  .clocks_event_reasons = 0x1
/* A V100 retires pages instead of remapping rows. */
#define FAKE_V100(bus, seed)                                                                                           \
  .name = "Tesla V100-SXM2-32GB", .cc_major = 7, .cc_minor = 0, .memory_bytes = 34089730048ULL, .multiprocessors = 80, \
  .uuid_seed = (seed), .pci_bus = (bus), .ecc = 1, .pcie_gen_current = 3, .pcie_gen_max = 3, .pcie_width_current = 16, \
  .pcie_width_max = 16, .temperature_c = 35, .persistence = 1, .mig = -1, .clocks_event_reasons = 0x1

/* One healthy A100 at 07:00.0 and one H100 at 08:00.0 with the fault, as the "modern" pair. */
#define HEALTH_PAIR(name, ...)                                         \
  static const FakeDevice name[] = {                                   \
      {FAKE_A100(0x07, 0x80)},                                         \
      {FAKE_H100(0x08, 0x90), __VA_ARGS__},                            \
  }
HEALTH_PAIR(kHealthy, .temperature_c = 31);
HEALTH_PAIR(kEccVolatile, .ecc_uncorrected = 3, .ecc_aggregate_uncorrected = 3);
HEALTH_PAIR(kEccAggregate, .ecc_aggregate_uncorrected = 5);
HEALTH_PAIR(kEccDisabled, .ecc = 0);
HEALTH_PAIR(kEccPending, .ecc_pending_differs = 1);
HEALTH_PAIR(kRemapPending, .remapped_uncorrectable = 1, .remap_pending = 1);
HEALTH_PAIR(kRemapFailure, .remapped_uncorrectable = 9, .remap_failure = 1);
HEALTH_PAIR(kRemappedRows, .remapped_correctable = 70);
HEALTH_PAIR(kPcieWidth, .pcie_width_current = 8, .pcie_width_busy = 8);
HEALTH_PAIR(kPcieIdle, .pcie_gen_current = 1, .pcie_gen_busy = 5);
HEALTH_PAIR(kPcieGen, .pcie_gen_current = 1, .pcie_gen_busy = 4);
HEALTH_PAIR(kHwSlowdown, .clocks_event_reasons = 0x8);
HEALTH_PAIR(kHwThermal, .clocks_event_reasons = 0x40);
HEALTH_PAIR(kPowerBrake, .clocks_event_reasons = 0x80);
HEALTH_PAIR(kSwThermal, .clocks_event_reasons = 0x20);
HEALTH_PAIR(kInforom, .inforom_corrupt = 1);
HEALTH_PAIR(kNoPersistence, .persistence = 0);
HEALTH_PAIR(kBusy, .other_processes = 1);
HEALTH_PAIR(kExclusiveProcess, .compute_mode = 3);
/* CUDA's default order is fastest first: the H100 at 86:00.0 before the A100 at 07:00.0. */
static const FakeDevice kFastestFirst[] = {{FAKE_H100(0x86, 0x90)}, {FAKE_A100(0x07, 0x80)}};
static const FakeDevice kBothLeftAlone[] = {{FAKE_A100(0x07, 0x80), .other_processes = 1}, {FAKE_H100(0x08, 0x90), .compute_mode = 3}};
/* GeForce-like GPUs: no ECC at all. */
HEALTH_PAIR(kNoEcc, .ecc = -1);

/* Four A100 at buses 01-04: beside a /sys of eight GPUs (01-08), the four at 05-08 do not answer. */
static const FakeDevice kA100x4[] = {{FAKE_A100(0x01, 0xb0)}, {FAKE_A100(0x02, 0xb1)}, {FAKE_A100(0x03, 0xb2)}, {FAKE_A100(0x04, 0xb3)}};
/* A node of mixed models at buses 04, 3b, 86, af; the P100 (3b) and the H100 (af) are busy with other jobs' processes. */
static const FakeDevice kMixedModels[] = {
    {"Tesla K40c", 3, 5, 11996954624ULL, 15, 0x40, 0x04, 1, 0, 3, 3, 16, 16, 41, 1, -1},
    {"Tesla P100-PCIE-16GB", 6, 0, 17071734784ULL, 56, 0x60, 0x3b, 1, 0, 3, 3, 16, 16, 38, 1, -1, .other_processes = 1},
    {"NVIDIA A100-SXM4-40GB", 8, 0, 42505273344ULL, 108, 0x80, 0x86, 1, 0, 4, 4, 16, 16, 33, 1, 0},
    {"NVIDIA H100 80GB HBM3", 9, 0, 85520809984ULL, 132, 0x90, 0xaf, 1, 0, 5, 5, 16, 16, 36, 1, 0, .other_processes = 1},
};

static const FakeDevice kV100Pair[] = {{FAKE_V100(0x07, 0x70)}, {FAKE_V100(0x08, 0x71)}};
static const FakeDevice kRetiredPending[] = {{FAKE_V100(0x07, 0x70)}, {FAKE_V100(0x08, 0x71), .retired_double_bit = 2, .retired_pending = 1}};
static const FakeDevice kRetiredPages[] = {{FAKE_V100(0x07, 0x70)}, {FAKE_V100(0x08, 0x71), .retired_single_bit = 10, .retired_double_bit = 6}};

/* A DGX H100: eight H100 SXM at the buses of a real one. */
#define H100X8(...)                                                                                                     \
  {                                                                                                                     \
    {FAKE_H100(0x18, 0xa0)}, {FAKE_H100(0x2a, 0xa1)}, {FAKE_H100(0x3a, 0xa2)}, {FAKE_H100(0x5d, 0xa3)},                 \
        {FAKE_H100(0x9a, 0xa4)}, {FAKE_H100(0xab, 0xa5)}, {FAKE_H100(0xba, 0xa6)}, {FAKE_H100(0xdb, 0xa7)}, __VA_ARGS__ \
  }
static const FakeDevice kH100x8[] = H100X8();
/* Three faults at once: GPU 2 uncorrectable ECC, GPU 5 at x8, GPU 7 power brake. */
static const FakeDevice kH100x8Faulty[] = {
    {FAKE_H100(0x18, 0xa0)},
    {FAKE_H100(0x2a, 0xa1)},
    {FAKE_H100(0x3a, 0xa2), .ecc_uncorrected = 4, .ecc_aggregate_uncorrected = 4},
    {FAKE_H100(0x5d, 0xa3)},
    {FAKE_H100(0x9a, 0xa4)},
    {FAKE_H100(0xab, 0xa5), .pcie_width_current = 8, .pcie_width_busy = 8},
    {FAKE_H100(0xba, 0xa6)},
    {FAKE_H100(0xdb, 0xa7), .clocks_event_reasons = 0x80},
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
    /* GPU health: one scenario per verdict row of issue 13, the fault on GPU 1 (08:00.0). */
    {"healthy", 0, 0, 2, kHealthy},
    {"ecc-volatile", 0, 0, 2, kEccVolatile},
    {"ecc-aggregate", 0, 0, 2, kEccAggregate},
    {"ecc-disabled", 0, 0, 2, kEccDisabled},
    {"ecc-pending", 0, 0, 2, kEccPending},
    {"no-ecc", 0, 0, 2, kNoEcc},
    {"v100", 0, 0, 2, kV100Pair},
    {"retired-pending", 0, 0, 2, kRetiredPending},
    {"retired-pages", 0, 0, 2, kRetiredPages},
    {"remap-pending", 0, 0, 2, kRemapPending},
    {"remap-failure", 0, 0, 2, kRemapFailure},
    {"remapped-rows", 0, 0, 2, kRemappedRows},
    {"pcie-width", 0, 0, 2, kPcieWidth},
    {"pcie-idle", 0, 0, 2, kPcieIdle},
    {"pcie-gen", 0, 0, 2, kPcieGen},
    {"pcie-idle-no-context", 0, 0, 2, kPcieIdle, 0, 0, 46},
    {"hw-slowdown", 0, 0, 2, kHwSlowdown},
    {"hw-thermal", 0, 0, 2, kHwThermal},
    {"power-brake", 0, 0, 2, kPowerBrake},
    {"sw-thermal", 0, 0, 2, kSwThermal},
    {"inforom", 0, 0, 2, kInforom},
    {"no-persistence", 0, 0, 2, kNoPersistence},
    {"busy", 0, 0, 2, kBusy},
    {"exclusive-process", 0, 0, 2, kExclusiveProcess},
    {"fastest-first", 0, 0, 2, kFastestFirst},
    /* GPU 0 busy with a job, GPU 1 in exclusive-process mode: no GPU the check may compute on. */
    {"none-computable", 0, 0, 2, kBothLeftAlone},
    {"old-driver", 0, 0, 2, kHealthy, 0, 11010},
    {"not-supported", 0, 0, 2, kNoEcc, 3},
    {"function-not-found", 0, 0, 2, kHealthy, 13},
    {"h100x8", 0, 0, 8, kH100x8},
    {"h100x8-faulty", 0, 0, 8, kH100x8Faulty},
    {"a100x4", 0, 0, 4, kA100x4},
    {"mixed-models", 0, 0, 4, kMixedModels, 0, 0, 0, 1},
};

static const FakeScenario* fake_scenario(void) {
  const char* id = getenv("MLCHECK_FAKE_GPUS");
  if (id == NULL || *id == 0) id = "mixed";
  for (size_t i = 0; i < sizeof kScenarios / sizeof kScenarios[0]; ++i)
    if (strcmp(kScenarios[i].id, id) == 0) return &kScenarios[i];
  return &kScenarios[0];
}

static inline int fake_cuda_driver_version(void) {
  const FakeScenario* s = fake_scenario();
  return s->cuda_driver_version != 0 ? s->cuda_driver_version : 12040;
}

static void fake_uuid(const FakeDevice* device, unsigned char out[16]) {
  for (int i = 0; i < 16; ++i) out[i] = (unsigned char)(device->uuid_seed + i * 17);
}

/* "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", as NVML and nvidia-smi print it. */
static void fake_uuid_text(const FakeDevice* device, char* out, size_t length) {
  unsigned char b[16];
  fake_uuid(device, b);
  snprintf(out, length, "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
           b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* Faster first: compute capability, then multiprocessors; ties in PCI bus order. */
static int fake_faster(const FakeDevice* a, const FakeDevice* b) {
  if (a->cc_major != b->cc_major) return a->cc_major > b->cc_major;
  if (a->cc_minor != b->cc_minor) return a->cc_minor > b->cc_minor;
  if (a->multiprocessors != b->multiprocessors) return a->multiprocessors > b->multiprocessors;
  return a->pci_bus < b->pci_bus;
}

/* The scenario's devices in CUDA's order: fastest first unless CUDA_DEVICE_ORDER=PCI_BUS_ID. */
static int fake_cuda_order(int order[], int capacity) {
  const FakeScenario* s = fake_scenario();
  const char* requested = getenv("CUDA_DEVICE_ORDER");
  int pci_order = requested != NULL && strcmp(requested, "PCI_BUS_ID") == 0;
  int count = s->count < capacity ? s->count : capacity;
  for (int i = 0; i < count; ++i) order[i] = i;
  for (int i = 1; i < count; ++i) {
    for (int j = i; j > 0; --j) {
      const FakeDevice* earlier = &s->devices[order[j - 1]];
      const FakeDevice* later = &s->devices[order[j]];
      int swap = pci_order || !s->cuda_fastest_first ? later->pci_bus < earlier->pci_bus : fake_faster(later, earlier);
      if (!swap) break;
      int t = order[j];
      order[j] = order[j - 1];
      order[j - 1] = t;
    }
  }
  return count;
}

/*
 * The real libcuda.so.1 shows only the devices CUDA_VISIBLE_DEVICES names, in that order: an
 * index into CUDA's order (fastest first unless CUDA_DEVICE_ORDER=PCI_BUS_ID), or GPU-<uuid>
 * (a unique prefix is enough); it stops at the first entry it cannot use ("NoDevFiles", "-1").
 * NVML ignores the variable. Returns how many are visible and fills map[visible ordinal] =
 * scenario index; *hidden is set when the variable is set.
 */
static inline int fake_visible_devices_of(int map[], int capacity, int* hidden) {
  const FakeScenario* s = fake_scenario();
  int order[16];
  int ordered = fake_cuda_order(order, 16);
  const char* visible = getenv("CUDA_VISIBLE_DEVICES");
  int count = 0;
  if (hidden != NULL) *hidden = visible != NULL;
  if (visible == NULL) {
    for (int i = 0; i < ordered && count < capacity; ++i) map[count++] = order[i];
    return count;
  }
  const char* p = visible;
  while (*p != 0 && count < capacity) {
    while (*p == ' ') ++p;
    size_t length = strcspn(p, ",");
    int found = -1;
    if (strncmp(p, "GPU-", 4) == 0 && length > 4) {
      for (int i = 0; i < s->count; ++i) {
        char uuid[64];
        fake_uuid_text(&s->devices[i], uuid, sizeof uuid);
        if (strncasecmp(uuid, p, length) == 0) {
          if (found >= 0) return count; /* an ambiguous prefix */
          found = i;
        }
      }
    } else {
      char* end = NULL;
      long index = strtol(p, &end, 10);
      if (end == p + length && end != p && index >= 0 && index < ordered) found = order[index];
    }
    if (found < 0) break;
    map[count++] = found;
    p += length;
    if (*p == ',') ++p; else break;
  }
  return count;
}

static inline int fake_visible_devices(int map[], int capacity) { return fake_visible_devices_of(map, capacity, NULL); }

#endif
