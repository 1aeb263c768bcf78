import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveWorkspaceDir, type PlatformContext } from '../../../src/store/location.ts';

const linux = (env: Record<string, string> = {}): PlatformContext => ({ env, platform: 'linux', homedir: '/home/ada', cwd: '/work' });

test('Linux default is $XDG_DATA_HOME/segwork, else ~/.local/share/segwork (a relative XDG_DATA_HOME is ignored)', () => {
  assert.equal(resolveWorkspaceDir(undefined, linux()), '/home/ada/.local/share/segwork');
  assert.equal(resolveWorkspaceDir(undefined, linux({ XDG_DATA_HOME: '/data/xdg' })), '/data/xdg/segwork');
  assert.equal(resolveWorkspaceDir(undefined, linux({ XDG_DATA_HOME: 'relative/xdg' })), '/home/ada/.local/share/segwork');
});

test('macOS and Windows defaults', () => {
  assert.equal(
    resolveWorkspaceDir(undefined, { env: {}, platform: 'darwin', homedir: '/Users/ada', cwd: '/' }),
    '/Users/ada/Library/Application Support/Segwork');
  const windows = (env: Record<string, string>): PlatformContext => ({ env, platform: 'win32', homedir: 'C:\\Users\\ada', cwd: 'C:\\work' });
  assert.equal(resolveWorkspaceDir(undefined, windows({ APPDATA: 'D:\\Roaming' })), 'D:\\Roaming\\Segwork');
  assert.equal(resolveWorkspaceDir(undefined, windows({})), 'C:\\Users\\ada\\AppData\\Roaming\\Segwork');
});

test('SEGWORK_HOME overrides the default, an explicit directory overrides both; relative paths resolve from cwd', () => {
  const context = linux({ SEGWORK_HOME: '/srv/segwork', XDG_DATA_HOME: '/data/xdg' });
  assert.equal(resolveWorkspaceDir(undefined, context), '/srv/segwork');
  assert.equal(resolveWorkspaceDir('/tmp/mine', context), '/tmp/mine');
  assert.equal(resolveWorkspaceDir('mine', context), '/work/mine');
  assert.equal(resolveWorkspaceDir(undefined, linux({ SEGWORK_HOME: 'ws' })), '/work/ws');
  // An empty variable counts as unset.
  assert.equal(resolveWorkspaceDir(undefined, linux({ SEGWORK_HOME: '' })), '/home/ada/.local/share/segwork');
});

test('without a context it reads the real process environment', (t) => {
  const saved = process.env.SEGWORK_HOME;
  t.after(() => {
    if (saved === undefined) delete process.env.SEGWORK_HOME;
    else process.env.SEGWORK_HOME = saved;
  });
  process.env.SEGWORK_HOME = '/tmp/segwork-env-check';
  assert.equal(resolveWorkspaceDir(), '/tmp/segwork-env-check');
});
