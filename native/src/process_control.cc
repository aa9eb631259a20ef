#include "process_control.h"

#if defined(__linux__)
#include <sys/prctl.h>
#endif

namespace mlcheck {

Napi::Value SetParentDeathSignalJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "setParentDeathSignal(signal: number)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
#if defined(__linux__)
  const int signal = info[0].As<Napi::Number>().Int32Value();
  return Napi::Boolean::New(env, prctl(PR_SET_PDEATHSIG, signal) == 0);
#else
  return Napi::Boolean::New(env, false);
#endif
}

}  // namespace mlcheck
