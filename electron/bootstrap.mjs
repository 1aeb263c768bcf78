// Electron's entry: the main process is TypeScript, loaded through tsx like the CLI (no build step for the core).
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
