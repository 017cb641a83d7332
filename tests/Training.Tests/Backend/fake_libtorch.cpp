// A stand-in libtorch_cpu.so for the external-backend tests: it states a build version the way libtorch does
// (at::show_config()'s "TORCH_VERSION=" build setting) and defines nothing else, so TorchSharp's shim cannot bind.
#include <string>
#ifndef FAKE_TORCH_VERSION
#error define FAKE_TORCH_VERSION
#endif
namespace at {
std::string show_config() {
  return "PyTorch built with:\n  - Build settings: BUILD_TYPE=Release, TORCH_VERSION=" FAKE_TORCH_VERSION ", USE_CUDA=0, \n";
}
}
