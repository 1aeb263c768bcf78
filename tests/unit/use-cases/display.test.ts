import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import { renderDisplayImage } from '../../../src/use-cases/display.ts';
import { openRaster, writeTiff } from '../../../src/io/index.ts';
import { tempDir } from '../../helpers/tmp.ts';

test('16-bit multi-band rasters render with a band choice, a percentile stretch or a window, and thumbnails shrink', async (t) => {
  const file = path.join(tempDir(t), 'bands.tif');
  const width = 20;
  const height = 10;
  // Band 0 ramps 1000..2900 along x; band 3 is constant 7.
  const data = new Uint16Array(width * height * 4).map((_, i) => ((i >> 2) % width) * 100 + 1000 + (i % 4 === 3 ? -1000 + 7 - ((i >> 2) % width) * 100 : 0));
  await writeTiff(file, { width, height, bands: 4, data, layout: 'pixel' });
  const raster = await openRaster(file);
  const decode = (bytes: Buffer) => PNG.sync.read(bytes);

  const stretched = await renderDisplayImage(raster, { bands: [0] });
  assert.equal(stretched.mime, 'image/png');
  const grey = decode(stretched.bytes);
  assert.equal(grey.data[0], 0, 'the low end of the stretch is black');
  assert.equal(grey.data[(width - 1) * 4], 255, 'the high end is white');

  const windowed = await renderDisplayImage(raster, { bands: [0], window: { center: 1500.5, width: 1 } });
  const w = decode(windowed.bytes);
  assert.deepEqual([w.data[4 * 4], w.data[6 * 4]], [0, 255], 'a narrow window thresholds at its centre');

  const falseColour = decode((await renderDisplayImage(raster, { bands: [3, 0, 0] })).bytes);
  assert.equal(falseColour.data[0], falseColour.data[4], 'a constant band renders flat');

  const thumb = await renderDisplayImage(raster, { maxSize: 5 });
  assert.deepEqual([thumb.width, thumb.height], [5, 3]);
  await assert.rejects(renderDisplayImage(raster, { bands: [4] }), /band 4 does not exist/);
  await raster.close();
});
