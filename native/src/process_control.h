#pragma once

#include <napi.h>

namespace mlcheck {

// setParentDeathSignal(signal): the kernel sends `signal` to this process when its parent dies,
// even while the process is stuck inside native code. Returns false where unsupported.
Napi::Value SetParentDeathSignalJs(const Napi::CallbackInfo& info);

}  // namespace mlcheck
