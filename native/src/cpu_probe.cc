#include "cpu_probe.h"

#include <unistd.h>

#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define MLCHECK_X86 1
#endif

namespace mlcheck {
namespace {

struct Regs {
  uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
};

enum class Reg { kEax, kEbx, kEcx, kEdx };

struct FeatureBit {
  const char* name;
  uint32_t leaf;
  uint32_t subleaf;
  Reg reg;
  int bit;
  RequiredState state;
};

// Names follow the kernel's /proc/cpuinfo spelling (arch/x86/include/asm/cpufeatures.h).
constexpr FeatureBit kFeatureBits[] = {
    {"sse", 1, 0, Reg::kEdx, 25, RequiredState::kXmm},
    {"sse2", 1, 0, Reg::kEdx, 26, RequiredState::kXmm},
    {"pni", 1, 0, Reg::kEcx, 0, RequiredState::kXmm},
    {"pclmulqdq", 1, 0, Reg::kEcx, 1, RequiredState::kXmm},
    {"ssse3", 1, 0, Reg::kEcx, 9, RequiredState::kXmm},
    {"fma", 1, 0, Reg::kEcx, 12, RequiredState::kYmm},
    {"cx16", 1, 0, Reg::kEcx, 13, RequiredState::kNone},
    {"sse4_1", 1, 0, Reg::kEcx, 19, RequiredState::kXmm},
    {"sse4_2", 1, 0, Reg::kEcx, 20, RequiredState::kXmm},
    {"movbe", 1, 0, Reg::kEcx, 22, RequiredState::kNone},
    {"popcnt", 1, 0, Reg::kEcx, 23, RequiredState::kNone},
    {"aes", 1, 0, Reg::kEcx, 25, RequiredState::kXmm},
    {"xsave", 1, 0, Reg::kEcx, 26, RequiredState::kNone},
    {"avx", 1, 0, Reg::kEcx, 28, RequiredState::kYmm},
    {"f16c", 1, 0, Reg::kEcx, 29, RequiredState::kYmm},
    {"rdrand", 1, 0, Reg::kEcx, 30, RequiredState::kNone},
    {"bmi1", 7, 0, Reg::kEbx, 3, RequiredState::kNone},
    {"avx2", 7, 0, Reg::kEbx, 5, RequiredState::kYmm},
    {"bmi2", 7, 0, Reg::kEbx, 8, RequiredState::kNone},
    {"avx512f", 7, 0, Reg::kEbx, 16, RequiredState::kZmm},
    {"avx512dq", 7, 0, Reg::kEbx, 17, RequiredState::kZmm},
    {"adx", 7, 0, Reg::kEbx, 19, RequiredState::kNone},
    {"avx512ifma", 7, 0, Reg::kEbx, 21, RequiredState::kZmm},
    {"avx512pf", 7, 0, Reg::kEbx, 26, RequiredState::kZmm},
    {"avx512er", 7, 0, Reg::kEbx, 27, RequiredState::kZmm},
    {"avx512cd", 7, 0, Reg::kEbx, 28, RequiredState::kZmm},
    {"sha_ni", 7, 0, Reg::kEbx, 29, RequiredState::kXmm},
    {"avx512bw", 7, 0, Reg::kEbx, 30, RequiredState::kZmm},
    {"avx512vl", 7, 0, Reg::kEbx, 31, RequiredState::kZmm},
    {"avx512vbmi", 7, 0, Reg::kEcx, 1, RequiredState::kZmm},
    {"avx512_vbmi2", 7, 0, Reg::kEcx, 6, RequiredState::kZmm},
    {"gfni", 7, 0, Reg::kEcx, 8, RequiredState::kXmm},
    {"vaes", 7, 0, Reg::kEcx, 9, RequiredState::kYmm},
    {"vpclmulqdq", 7, 0, Reg::kEcx, 10, RequiredState::kYmm},
    {"avx512_vnni", 7, 0, Reg::kEcx, 11, RequiredState::kZmm},
    {"avx512_bitalg", 7, 0, Reg::kEcx, 12, RequiredState::kZmm},
    {"avx512_vpopcntdq", 7, 0, Reg::kEcx, 14, RequiredState::kZmm},
    {"avx512_4vnniw", 7, 0, Reg::kEdx, 2, RequiredState::kZmm},
    {"avx512_4fmaps", 7, 0, Reg::kEdx, 3, RequiredState::kZmm},
    {"avx512_vp2intersect", 7, 0, Reg::kEdx, 8, RequiredState::kZmm},
    {"amx_bf16", 7, 0, Reg::kEdx, 22, RequiredState::kAmxTile},
    {"avx512_fp16", 7, 0, Reg::kEdx, 23, RequiredState::kZmm},
    {"amx_tile", 7, 0, Reg::kEdx, 24, RequiredState::kAmxTile},
    {"amx_int8", 7, 0, Reg::kEdx, 25, RequiredState::kAmxTile},
    {"avx_vnni", 7, 1, Reg::kEax, 4, RequiredState::kYmm},
    {"avx512_bf16", 7, 1, Reg::kEax, 5, RequiredState::kZmm},
    {"xsaveopt", 0xD, 1, Reg::kEax, 0, RequiredState::kNone},
    {"xsavec", 0xD, 1, Reg::kEax, 1, RequiredState::kNone},
    {"xgetbv1", 0xD, 1, Reg::kEax, 2, RequiredState::kNone},
    {"xsaves", 0xD, 1, Reg::kEax, 3, RequiredState::kNone},
    {"lahf_lm", 0x80000001, 0, Reg::kEcx, 0, RequiredState::kNone},
    {"abm", 0x80000001, 0, Reg::kEcx, 5, RequiredState::kNone},
    {"sse4a", 0x80000001, 0, Reg::kEcx, 6, RequiredState::kXmm},
    {"fma4", 0x80000001, 0, Reg::kEcx, 16, RequiredState::kYmm},
    {"syscall", 0x80000001, 0, Reg::kEdx, 11, RequiredState::kNone},
    {"nx", 0x80000001, 0, Reg::kEdx, 20, RequiredState::kNone},
    {"lm", 0x80000001, 0, Reg::kEdx, 29, RequiredState::kNone},
};

Regs Cpuid(uint32_t leaf, uint32_t subleaf) {
  Regs r;
#ifdef MLCHECK_X86
  __cpuid_count(leaf, subleaf, r.eax, r.ebx, r.ecx, r.edx);
#else
  (void)leaf;
  (void)subleaf;
#endif
  return r;
}

uint64_t Xgetbv0() {
#ifdef MLCHECK_X86
  uint32_t eax = 0, edx = 0;
  // Raw opcode: assemblers without XSAVE support still accept it, and no -mxsave is needed.
  __asm__ volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
#else
  return 0;
#endif
}

uint32_t Pick(const Regs& r, Reg reg) {
  switch (reg) {
    case Reg::kEax: return r.eax;
    case Reg::kEbx: return r.ebx;
    case Reg::kEcx: return r.ecx;
    case Reg::kEdx: return r.edx;
  }
  return 0;
}

bool LeafAvailable(const CpuFacts& facts, uint32_t leaf) {
  return leaf >= 0x80000000u ? leaf <= facts.max_extended_leaf : leaf <= facts.max_leaf;
}

bool StateEnabled(const OsEnabledState& os, RequiredState state) {
  switch (state) {
    case RequiredState::kNone: return true;
    case RequiredState::kXmm: return os.xmm;
    case RequiredState::kYmm: return os.xmm && os.ymm;
    case RequiredState::kZmm: return os.xmm && os.ymm && os.zmm_opmask && os.zmm_hi256 && os.zmm_hi16;
    case RequiredState::kAmxTile: return os.amx_tile_cfg && os.amx_tile_data;
  }
  return false;
}

}  // namespace

CpuFacts ProbeCpu() {
  CpuFacts facts;
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  facts.logical_cpus = online > 0 ? online : 0;
#ifdef MLCHECK_X86
  Regs leaf0 = Cpuid(0, 0);
  facts.max_leaf = leaf0.eax;
  char vendor[13] = {0};
  std::memcpy(vendor, &leaf0.ebx, 4);
  std::memcpy(vendor + 4, &leaf0.edx, 4);
  std::memcpy(vendor + 8, &leaf0.ecx, 4);
  facts.vendor = vendor;
  facts.max_extended_leaf = Cpuid(0x80000000u, 0).eax;

  if (facts.max_extended_leaf >= 0x80000004u) {
    char brand[49] = {0};
    for (uint32_t i = 0; i < 3; ++i) {
      Regs r = Cpuid(0x80000002u + i, 0);
      std::memcpy(brand + 16 * i, &r, 16);
    }
    std::string text(brand);
    size_t first = text.find_first_not_of(' ');
    size_t last = text.find_last_not_of(' ');
    facts.brand = first == std::string::npos ? "" : text.substr(first, last - first + 1);
  }

  Regs leaf1 = facts.max_leaf >= 1 ? Cpuid(1, 0) : Regs{};
  uint32_t base_family = (leaf1.eax >> 8) & 0xF;
  uint32_t base_model = (leaf1.eax >> 4) & 0xF;
  facts.stepping = leaf1.eax & 0xF;
  facts.family = base_family == 0xF ? base_family + ((leaf1.eax >> 20) & 0xFF) : base_family;
  facts.model = (base_family == 0x6 || base_family == 0xF) ? (((leaf1.eax >> 16) & 0xF) << 4) | base_model : base_model;

  // Without OSXSAVE, xgetbv faults; legacy SSE state is then governed by CR4.OSFXSR, which
  // every x86-64 kernel sets.
  facts.os.osxsave = (leaf1.ecx >> 27) & 1;
  if (facts.os.osxsave) {
    uint64_t xcr0 = Xgetbv0();
    facts.os.xcr0 = xcr0;
    facts.os.xmm = (xcr0 >> 1) & 1;
    facts.os.ymm = (xcr0 >> 2) & 1;
    facts.os.zmm_opmask = (xcr0 >> 5) & 1;
    facts.os.zmm_hi256 = (xcr0 >> 6) & 1;
    facts.os.zmm_hi16 = (xcr0 >> 7) & 1;
    facts.os.amx_tile_cfg = (xcr0 >> 17) & 1;
    facts.os.amx_tile_data = (xcr0 >> 18) & 1;
  } else {
    facts.os.xmm = (leaf1.edx >> 25) & 1;
  }

  Regs cache[8];
  struct Key { uint32_t leaf, subleaf; } keys[8];
  int cached = 0;
  for (const FeatureBit& bit : kFeatureBits) {
    bool listed = false;
    if (LeafAvailable(facts, bit.leaf)) {
      int found = -1;
      for (int i = 0; i < cached; ++i)
        if (keys[i].leaf == bit.leaf && keys[i].subleaf == bit.subleaf) found = i;
      if (found < 0 && cached < 8) {
        keys[cached] = {bit.leaf, bit.subleaf};
        cache[cached] = Cpuid(bit.leaf, bit.subleaf);
        found = cached++;
      }
      if (found >= 0) listed = (Pick(cache[found], bit.reg) >> bit.bit) & 1;
    }
    // Leaf 7 subleaf 1 exists only when leaf 7 subleaf 0 reports it in EAX.
    if (bit.leaf == 7 && bit.subleaf == 1 && LeafAvailable(facts, 7) && Cpuid(7, 0).eax < 1) listed = false;
    facts.features.push_back({bit.name, listed, listed && StateEnabled(facts.os, bit.state)});
  }
#endif
  return facts;
}

uint64_t TotalMemoryBytes() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return 0;
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size);
}

}  // namespace mlcheck
