#!/usr/bin/env node
// Runs `npm install` once on a fresh clone, so `npm start` and `npm test` are each one command; first it checks
// that this Node is one Segwork supports (package.json engines), since npm itself only warns.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { requireSupportedNode } from '../bin/node-version.js';

requireSupportedNode(`npm ${process.env.npm_lifecycle_event?.replace(/^pre/, '') ?? 'run'}`);

const root = path.resolve(import.meta.dirname, '..');
if (!existsSync(path.join(root, 'node_modules', '.package-lock.json'))) {
  console.error('First run: installing dependencies (npm install)…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['install', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
