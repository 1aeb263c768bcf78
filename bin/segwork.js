#!/usr/bin/env node
// The `segwork` CLI. The core is TypeScript run through tsx, so the installed package needs no build step.
import { register } from 'tsx/esm/api';
import { requireSupportedNode } from './node-version.js';

requireSupportedNode('segwork');
register();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
// Exit explicitly once output is flushed: native backends (Dawn's threads) can keep an idle process alive.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
