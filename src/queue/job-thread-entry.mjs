// A queue worker's job thread starts here: the core is TypeScript, so register tsx before loading it.
import { register } from 'tsx/esm/api';

register();
await import('./job-thread.ts');
