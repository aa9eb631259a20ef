// CPU facts from cpuid and xgetbv: what the processor lists and what the OS has enabled.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace mlcheck {

// Register state a feature needs the OS to have enabled (XCR0) before it can be used.
enum class RequiredState { kNone, kXmm, kYmm, kZmm, kAmxTile };

struct CpuFeature {
  const char* name;  // as /proc/cpuinfo spells it
  bool listed;       // cpuid lists it
  bool usable;       // listed and its register state is enabled by the OS
};

struct OsEnabledState {
  bool osxsave = false;   // CR4.OSXSAVE, so xgetbv may run
  uint64_t xcr0 = 0;
  bool xmm = false;
  bool ymm = false;
  bool zmm_opmask = false;
  bool zmm_hi256 = false;
  bool zmm_hi16 = false;
  bool amx_tile_cfg = false;
  bool amx_tile_data = false;
};

struct CpuFacts {
  std::string vendor;
  std::string brand;
  uint32_t family = 0;
  uint32_t model = 0;
  uint32_t stepping = 0;
  uint32_t max_leaf = 0;
  uint32_t max_extended_leaf = 0;
  long logical_cpus = 0;
  OsEnabledState os;
  std::vector<CpuFeature> features;
};

CpuFacts ProbeCpu();
uint64_t TotalMemoryBytes();

}  // namespace mlcheck
