import path = require('path');

/**
 * The checkout (or installed package) root. The bundle build bakes it in as __OCI_TS_ROOT__
 * (scripts/build.js, esbuild `define`), because inside a startup snapshot __dirname means
 * nothing; under ts-jest the sources sit at <root>/runtime/, one level below.
 */
declare const __OCI_TS_ROOT__: string | undefined;

export function packageRoot(): string {
  return typeof __OCI_TS_ROOT__ === 'string' ? __OCI_TS_ROOT__ : path.resolve(__dirname, '..');
}

/** The native helper that becomes the container's init (binding.gyp target oci-ts-init). */
export function initBinary(): string {
  return path.join(packageRoot(), 'build', 'Release', 'oci-ts-init');
}

export function addonPath(): string {
  return path.join(packageRoot(), 'build', 'Release', 'oci_ts.node');
}
