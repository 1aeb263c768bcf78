// Asks Dawn for a WebGPU adapter in a child process. Dawn's native code prints Vulkan warnings straight to the
// terminal (and can hang an exiting process), so the question is asked where its output can be discarded; the
// answer is kept in the environment, so worker threads and child processes do not ask again.
import { spawnSync } from 'node:child_process';

export interface AdapterSurvey {
  /** null: the webgpu package failed to load; otherwise the adapter or null when there is none. */
  loaded: boolean;
  error?: string;
  adapter: { name: string; fallback: boolean } | null;
}

const ENV_KEY = 'SEGWORK_WEBGPU_SURVEY';

const SCRIPT = `
import('webgpu').then(async ({ create, globals }) => {
  Object.assign(globalThis, globals);
  const adapter = await create([]).requestAdapter();
  const info = adapter?.info ?? {};
  const name = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') || 'unnamed adapter';
  process.stdout.write(JSON.stringify({ loaded: true, adapter: adapter ? { name, fallback: adapter.isFallbackAdapter === true } : null }));
  process.exit(0);
}, (e) => {
  process.stdout.write(JSON.stringify({ loaded: false, error: String(e && e.code === 'ERR_MODULE_NOT_FOUND' ? 'not installed' : e.message).split('\\n')[0], adapter: null }));
  process.exit(0);
});
`;

export function surveyWebgpuAdapter(): AdapterSurvey {
  const cached = process.env[ENV_KEY];
  if (cached) return JSON.parse(cached) as AdapterSurvey;
  // In the desktop shell process.execPath is Electron, which runs a script as plain Node only when told to.
  const env = { ...process.env, ELECTRON_RUN_AS_NODE: '1' };
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT], { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'ignore'], env });
  let survey: AdapterSurvey;
  try {
    survey = JSON.parse(result.stdout) as AdapterSurvey;
  } catch {
    survey = { loaded: false, error: result.error ? result.error.message : `the adapter probe exited with ${result.status ?? result.signal}`, adapter: null };
  }
  process.env[ENV_KEY] = JSON.stringify(survey);
  return survey;
}
