// A stand-in for onnxruntime's libonnxruntime_providers_cuda.so / _tensorrt.so that fails the way
// a GPU with an uncorrectable ECC error does: the provider loads, its factory is created from the
// session options, and creating the execution provider for a session throws what the real one
// throws from cudaSetDevice ("CUDA failure 214: uncorrectable ECC error encountered ; GPU=<id>").
//
// It follows onnxruntime's provider bridge ABI (core/providers/shared_library/provider_host_api.h):
// the library exports GetProvider(), returning a Provider whose virtual functions are, in order,
// CreateExecutionProviderFactory(const void* options), CreateExecutionProviderFactory(int device),
// GetInfo, GetProviderOptions, UpdateProviderOptions, GetCustomOpDomainList, Initialize, Shutdown.
// The factory (core/providers/providers.h IExecutionProviderFactory) has a virtual destructor and
// then its CreateProvider overloads, each returning std::unique_ptr<IExecutionProvider>: every one
// of them throws here. OrtCUDAProviderOptionsV2 and OrtTensorRTProviderOptionsV2 both begin with
// `int device_id`, which onnxruntime-node sets from the execution provider's deviceId.
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

// device < 0: the call does not say which device (the provider's information interface).
std::string Failure(int device) {
  char host[256] = "unknown";
  gethostname(host, sizeof host - 1);
  char text[768];
  std::snprintf(text, sizeof text,
                "CUDA failure 214: uncorrectable ECC error encountered ; GPU=%s ; hostname=%s ; file=stand_in_provider.cc ; line=%d ; "
                "expr=cudaSetDevice(info_.device_id); ",
                device < 0 ? "?" : std::to_string(device).c_str(), host, __LINE__);
  return text;
}

// Stands for an opaque IExecutionProvider: only ever returned inside a unique_ptr that is never made.
struct ExecutionProvider {};

struct Factory {
  int device;
  explicit Factory(int id) : device(id) {}
  virtual ~Factory() = default;
  // CreateProvider() and CreateProvider(const OrtSessionOptions&, const OrtLogger&), in either order, and spares.
  virtual std::unique_ptr<ExecutionProvider> CreateProviderA(const void*, const void*) { throw std::runtime_error(Failure(device)); }
  virtual std::unique_ptr<ExecutionProvider> CreateProviderB(const void*, const void*) { throw std::runtime_error(Failure(device)); }
  virtual std::unique_ptr<ExecutionProvider> CreateProviderC(const void*, const void*) { throw std::runtime_error(Failure(device)); }
  virtual std::unique_ptr<ExecutionProvider> CreateProviderD(const void*, const void*) { throw std::runtime_error(Failure(device)); }
};

using ProviderOptions = std::unordered_map<std::string, std::string>;

// The provider's information interface (ProviderInfo_CUDA, ProviderInfo_TensorRT): onnxruntime
// asks TensorRT's for its options when a session appends it. Every function fails as the device does.
struct Info {
#define INFO_SLOT(k) \
  virtual std::unique_ptr<ExecutionProvider> Slot##k(const void*, const void*, const void*) { throw std::runtime_error(Failure(-1)); }
  INFO_SLOT(0) INFO_SLOT(1) INFO_SLOT(2) INFO_SLOT(3) INFO_SLOT(4) INFO_SLOT(5) INFO_SLOT(6) INFO_SLOT(7)
  INFO_SLOT(8) INFO_SLOT(9) INFO_SLOT(10) INFO_SLOT(11) INFO_SLOT(12) INFO_SLOT(13) INFO_SLOT(14) INFO_SLOT(15)
#undef INFO_SLOT
};
Info info;

struct Provider {
  virtual std::shared_ptr<Factory> CreateExecutionProviderFactory(const void* options) {
    return std::make_shared<Factory>(options == nullptr ? 0 : *static_cast<const int*>(options));
  }
  virtual std::shared_ptr<Factory> CreateExecutionProviderFactory(int device) { return std::make_shared<Factory>(device); }
  virtual void* GetInfo() { return &info; }
  virtual ProviderOptions GetProviderOptions(const void*) { return {}; }
  virtual void UpdateProviderOptions(void*, const ProviderOptions&) {}
  virtual void GetCustomOpDomainList(void*, std::vector<void*>&) {}
  virtual void Initialize() {}
  virtual void Shutdown() {}
  // Spare slots for functions an onnxruntime may declare after these: reaching one fails like the factory.
  virtual std::unique_ptr<ExecutionProvider> Later1(const void*, const void*) { throw std::runtime_error(Failure(0)); }
  virtual std::unique_ptr<ExecutionProvider> Later2(const void*, const void*) { throw std::runtime_error(Failure(0)); }
  virtual std::unique_ptr<ExecutionProvider> Later3(const void*, const void*) { throw std::runtime_error(Failure(0)); }

 protected:
  ~Provider() = default;
};

struct StandInProvider final : Provider {};
StandInProvider provider;

}  // namespace

extern "C" __attribute__((visibility("default"))) void* GetProvider() { return static_cast<Provider*>(&provider); }
