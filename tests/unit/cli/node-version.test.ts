// The supported Node versions are package.json's engines.node; the CLI and `npm start`/`npm test` (ensure-deps)
// refuse any other Node with one line naming both versions, checked in real processes made to report an old Node.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { SUPPORTED_NODE, satisfies } from '../../../bin/node-version.js';
import { repoRoot } from '../../helpers/tmp.ts';

test('engines.node: 20.19+ on the 20 line, 22.12 and later; the range is read, not guessed', () => {
  assert.equal(SUPPORTED_NODE, '^20.19.0 || >=22.12.0');
  for (const v of ['20.19.0', '20.20.2', '22.12.0', '22.23.5', '24.1.0', 'v26.0.0', process.versions.node]) assert.equal(satisfies(v), true, v);
  for (const v of ['18.20.8', '20.18.3', '21.7.3', '22.11.0']) assert.equal(satisfies(v), false, v);
  assert.throws(() => satisfies('22.0.0', '~22.1'), /engines\.node: cannot read "~22\.1"/);
});

/** Runs a Node script in a process whose process.versions.node says `version`. */
function asNode(version: string, script: string, env: Record<string, string> = {}) {
  const pretend = `data:text/javascript,Object.defineProperty(process.versions,'node',{value:'${version}'})`;
  return spawnSync(process.execPath, ['--import', pretend, path.join(repoRoot, script), '--help'], { encoding: 'utf8', env: { ...process.env, ...env } });
}

test('an unsupported Node gets one clear line and exit code 1, from the CLI and from npm start/test', () => {
  const cli = asNode('18.20.8', 'bin/segwork.js');
  assert.equal(cli.status, 1);
  assert.equal(cli.stdout, '');
  assert.equal(cli.stderr, 'segwork: Node 18.20.8 is not supported; Segwork needs Node ^20.19.0 || >=22.12.0 (https://nodejs.org)\n');
  const npmTest = asNode('21.7.3', 'scripts/ensure-deps.js', { npm_lifecycle_event: 'pretest' });
  assert.equal(npmTest.status, 1);
  assert.match(npmTest.stderr, /^npm test: Node 21\.7\.3 is not supported; Segwork needs Node \^20\.19\.0 \|\| >=22\.12\.0/);
  assert.equal(asNode(process.versions.node, 'bin/segwork.js').status, 0, 'this Node runs it');
});
