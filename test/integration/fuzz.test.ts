/**
 * The hostile-input harness (scripts/fuzz.js), a short seeded run: mutated config.json files at
 * every pointer and hostile command lines, in one Node process through the CLI's entry, and the
 * valid ones (a few) through bin/oci-ts with real containers. Every case must succeed or fail with
 * one line naming the pointer or flag, within its time bound, leaving nothing behind. The long run
 * (100,000 cases) is by hand: `npm run fuzz -- --seed S --cases 100000` (docs/config-validation.md).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { describeRoot, REPO } from './helpers';

describeRoot('fuzz (short seeded run)', () => {
  test('1,000 mutated cases: no crash, hang, bad error or leftover', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-ts-fuzz-test-'));
    try {
      const env = { ...process.env };
      delete env.NODE_EXTRA_CA_CERTS;
      const r = spawnSync(process.execPath, [path.join(REPO, 'scripts', 'fuzz.js'), '--seed', '20261201', '--cases', '1000', '--real-max', '8', '--sample', '0', '--time-limit', '45', '--out', out], {
        encoding: 'utf8',
        env,
        timeout: 110000,
      });
      const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
      const failures = fs.readFileSync(path.join(out, 'failures.jsonl'), 'utf8');
      expect(failures).toBe('');
      expect(summary).toMatchObject({ crashes: 0, hangs: 0, badErrors: 0, leftovers: 0 });
      // the run did exercise both paths: refusals in-process and real containers
      expect(summary.cases).toBeGreaterThan(300);
      expect(summary.refused).toBeGreaterThan(100);
      expect(summary.realRuns).toBeGreaterThan(0);
      expect(summary.realOk).toBeGreaterThan(0);
      expect(r.status).toBe(0);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 120000);
});
