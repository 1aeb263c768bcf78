// `segwork pretrain` refuses objective settings out of range, naming the option and its valid range, before it
// reads an image or loads TensorFlow.js.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { segwork } from '../../helpers/cli.ts';

const base = ['pretrain', '--images', '/nonexistent/images', '--model', 'unet', '--out', '/nonexistent/encoder'];

test('pretrain: an unknown objective, out-of-range settings and a setting the objective does not use are usage errors', async () => {
  const cases: [string[], RegExp][] = [
    [['--objective', 'sparce'], /--objective must be one of denoising, context, sparse, contractive, variational, got "sparce"/],
    [['--objective', 'sparse', '--weight=-0.5'], /--weight must be a number in \[0, 1000\], got "-0.5"/],
    [['--objective', 'variational', '--weight', 'lots'], /--weight must be a number in \[0, 1000\], got "lots"/],
    [['--objective', 'context', '--mask-ratio', '1'], /--mask-ratio must be a number in \[0, 0.95\], got "1"/],
    [['--objective', 'context', '--mask-ratio', '0'], /--mask-ratio must be in \(0, 0.95\] for --objective context, got "0"/],
    [['--mask-ratio', '1.5'], /--mask-ratio must be a number in \[0, 0.95\], got "1.5"/],
    [['--denoise=-1'], /--denoise must be a number in \[0, 10\], got "-1"/],
    [['--objective', 'contractive', '--denoise', '0.1'], /--denoise applies to --objective denoising, not contractive/],
    [['--weight', '0.1'], /--weight applies to --objective sparse or contractive or variational, not denoising/],
  ];
  for (const [extra, message] of cases) {
    const r = await segwork([...base, ...extra]);
    assert.equal(r.code, 2, `${extra.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});
