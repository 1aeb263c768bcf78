// Resolves the `electron` import to tests/helpers/fake-electron.ts for the rest of this process (a module.register
// hook), so a test can load electron/main.ts's real module graph under Node, where Electron's binary cannot run.
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import * as path from 'node:path';

const fakeURL = pathToFileURL(path.join(import.meta.dirname, 'fake-electron.ts')).href;
const hooks = `
export async function resolve(specifier, context, next) {
  if (specifier === 'electron') return { url: ${JSON.stringify(fakeURL)}, shortCircuit: true };
  return next(specifier, context);
}`;

export function resolveElectronToFake(): void {
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}
