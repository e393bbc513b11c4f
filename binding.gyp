{
  "targets": [
    {
      "target_name": "oci_ts",
      "sources": [ "addon/src/addon.cc", "addon/src/seccomp.cc", "addon/src/netdev.cc", "addon/src/spawn.cc", "addon/src/devfilter.cc", "addon/src/state.cc", "addon/src/cgwarm.cc", "addon/common/ocistate.c" ],
      "include_dirs": [ "<!(node -p \"require('node-addon-api').include_dir\")", "addon/include", "addon/common" ],
      "defines": [ "NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS" ],
      "cflags_cc": [ "-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter" ],
      "libraries": [ "-lseccomp" ]
    },
    {
      "target_name": "oci-ts-init",
      "type": "executable",
      "sources": [ "addon/init/main.cc", "addon/init/rootfs.cc", "addon/init/process.cc" ],
      "include_dirs": [ "addon/include" ],
      "cflags_cc": [ "-std=c++17", "-Os", "-Wall", "-Wextra", "-Wno-unused-parameter", "-fno-exceptions", "-fno-rtti" ],
      "ldflags": [ "-static", "-s" ]
    },
    {
      "target_name": "oci-ts-launcher",
      "type": "executable",
      "sources": [ "addon/launcher/launcher.c", "addon/launcher/fastpath.c", "addon/common/ocistate.c" ],
      "include_dirs": [ "addon/common" ],
      "defines": [ "OCI_TS_ROOT=\"<(module_root_dir)\"" ],
      "cflags": [ "-O2", "-Wall" ],
      "ldflags": [ "-static" ]
    }
  ]
}
