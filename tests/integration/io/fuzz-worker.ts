// Child process of the fuzz test: opens each mutated file it is sent and reports how reading it ended.
import { InputError, openRaster } from '../../../src/io/index.ts';

process.on('message', async (file: string) => {
  let outcome: { kind: 'ok' | 'input-error' | 'crash'; message?: string };
  try {
    const raster = await openRaster(file);
    try {
      // Read the whole first slice, as a user opening the file would.
      await raster.readWindow(0, 0, raster.width, raster.height, 0);
    } finally {
      await raster.close();
    }
    outcome = { kind: 'ok' };
  } catch (error) {
    outcome = error instanceof InputError
      ? { kind: 'input-error', message: error.message }
      : { kind: 'crash', message: `${(error as Error)?.name}: ${(error as Error)?.message ?? String(error)}` };
  }
  process.send!({ file, ...outcome });
});
