// A compute worker thread starts here: the core is TypeScript, so register tsx before loading it.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
