{
  'targets': [
    {
      'target_name': 'mlcheck_native',
      'includes': ['native/sources.gypi'],
      'include_dirs': ["<!(node -p \"require('node-addon-api').include_dir\")"],
      'defines': ['NAPI_VERSION=8', 'NAPI_DISABLE_CPP_EXCEPTIONS', 'NODE_ADDON_API_DISABLE_DEPRECATED', 'MLCHECK_SOURCES_SHA256=sha256_<!(node native/source-hash.cjs)'],
      'cflags_cc': ['-std=c++17', '-O2', '-Wall', '-Wextra'],
      'cflags_cc!': ['-fno-exceptions'],
      'libraries': ['-ldl'],
    },
  ],
}
