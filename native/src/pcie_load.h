// A PCIe link idles down (lower generation, sometimes fewer lanes) to save power, so a link found
// below its maximum is re-read while mlcheck keeps the GPU busy with host-to-device copies.
#pragma once
#include <functional>
#include <string>

namespace mlcheck {

// Copies host memory to GPU `ordinal` (a CUDA ordinal) for at most `budget_ms`, calling `sample`
// after each copy until it returns true. Returns "" when the GPU was kept busy, else why not.
std::string KeepPcieLinkBusy(void* cuda_handle, int ordinal, int budget_ms, const std::function<bool()>& sample);

}  // namespace mlcheck
