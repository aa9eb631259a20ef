# The one list of addon sources. binding.gyp includes this file inside its target (gyp
# rewrites the paths relative to binding.gyp); native/CMakeLists.txt parses the same list.
{
  'sources': [
    'src/addon.cc',
    'src/cpu_probe.cc',
    'src/gpu_probe.cc',
    'src/error_names.cc',
    'src/process_control.cc',
    'src/gpu_health.cc',
    'src/pcie_load.cc',
    'src/libstdcxx_compat.cc',
  ],
}
