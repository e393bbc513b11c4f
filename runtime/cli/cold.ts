/**
 * The hot bundle's way to every other command: load dist/oci-ts-full.js (all commands) with its
 * V8 code cache, as the loader does for the hot bundle. Only in the built CLI; never under ts-jest.
 * bin/oci-ts itself starts the full bundle directly for those commands (dist/oci-ts-cold.js,
 * scripts/build.js step 4b): this is the way when the hot bundle is run without the launcher.
 */
import fs = require('fs');
import path = require('path');
import vm = require('vm');
import { trace } from '../trace';

export interface FullBundle {
  main(argv: string[]): Promise<number>;
}

let loaded: FullBundle | undefined;

/** Once per process (the build's code cache warm-up runs several commands in one). */
export function loadFullBundle(): FullBundle {
  if (!loaded) loaded = load();
  return loaded;
}

function load(): FullBundle {
  trace('hot bundle: handing over to the full bundle');
  const file = path.join(__dirname, 'oci-ts-full.js');
  const cacheFile = path.join(__dirname, 'oci-ts-full.codecache');
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    /* no cache: V8 compiles */
  }
  const wrapper = '(function (exports, require, module, __filename, __dirname) {' + fs.readFileSync(file, 'utf8') + '\n})';
  const script = new vm.Script(wrapper, { filename: file, cachedData });
  // scripts/build.js sets this once, to make the cache after a create has run through the bundle
  if (process.env.OCI_TS_WRITE_CODECACHE === '1') process.on('exit', () => fs.writeFileSync(cacheFile, script.createCachedData()));
  const m = { exports: {} as FullBundle };
  script.runInThisContext().call(m.exports, m.exports, require, m, file, path.dirname(file));
  trace(`full bundle loaded (code cache ${script.cachedDataRejected ? 'rejected' : cachedData ? 'used' : 'absent'})`);
  return m.exports;
}
