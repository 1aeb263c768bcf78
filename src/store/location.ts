// Where the workspace lives: an explicit --workspace DIR, else $SEGWORK_HOME, else the per-user data directory.
import os from 'node:os';
import path from 'node:path';

export interface PlatformContext {
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  homedir: string;
  cwd: string;
}

const current = (): PlatformContext => ({ env: process.env, platform: process.platform, homedir: os.homedir(), cwd: process.cwd() });

/** Absolute workspace directory. `context` exists so the per-platform defaults can be tested on any platform. */
export function resolveWorkspaceDir(explicit?: string, context: PlatformContext = current()): string {
  const paths = context.platform === 'win32' ? path.win32 : path.posix;
  if (explicit) return paths.resolve(context.cwd, explicit);
  const override = context.env.SEGWORK_HOME;
  if (override) return paths.resolve(context.cwd, override);
  return defaultDataDir(context, paths);
}

function defaultDataDir({ env, platform, homedir }: PlatformContext, paths: path.PlatformPath): string {
  switch (platform) {
    case 'win32':
      return paths.join(env.APPDATA || paths.join(homedir, 'AppData', 'Roaming'), 'Segwork');
    case 'darwin':
      return paths.join(homedir, 'Library', 'Application Support', 'Segwork');
    default: {
      // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
      const xdg = env.XDG_DATA_HOME;
      return paths.join(xdg && paths.isAbsolute(xdg) ? xdg : paths.join(homedir, '.local', 'share'), 'segwork');
    }
  }
}
