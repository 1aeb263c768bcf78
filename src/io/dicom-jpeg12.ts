// 12-bit lossy JPEG (DICOM JPEG Extended, Process 4) frames, decoded by dcmjs-codecs: IJG libjpeg built for
// 12-bit samples in WebAssembly, the same library DCMTK's dcmdjpeg decodes with, so values match it exactly.
import { createRequire } from 'node:module';
import type { PixelFormat } from './dicom-pixels.ts';

type Codecs = typeof import('dcmjs-codecs');

let loading: Promise<Codecs> | null = null;

/** The WebAssembly module is compiled once per process, and again after a decode error (see below). */
function nativeCodecs(): Promise<Codecs> {
  if (!loading) {
    loading = (async () => {
      const codecs = createRequire(import.meta.url)('dcmjs-codecs') as Codecs;
      await codecs.NativeCodecs.initializeAsync();
      return codecs;
    })();
    loading.catch(() => { loading = null; });
  }
  return loading;
}

/** One 12-bit JPEG frame to 16-bit samples (signed data as stored; decodeFrame sign-extends it). */
export async function decodeJpeg12(data: Uint8Array, format: PixelFormat): Promise<Uint16Array | Int16Array> {
  const { NativeCodecs, Context } = await nativeCodecs();
  let decoded: Uint8Array | undefined;
  try {
    const context = new Context({
      width: format.columns,
      height: format.rows,
      bitsAllocated: 16,
      bitsStored: format.bitsStored,
      samplesPerPixel: format.samplesPerPixel,
      pixelRepresentation: format.pixelRepresentation,
      planarConfiguration: 0,
      photometricInterpretation: format.photometric,
      encodedBuffer: data,
    });
    decoded = NativeCodecs.decodeJpeg(context).getDecodedBuffer();
  } catch (error) {
    // libjpeg's error exit throws through the WebAssembly stack without unwinding it; a few hundred such errors
    // exhaust that stack and later decodes crash, so the next decode starts from a fresh module.
    loading = null;
    throw error;
  }
  if (!decoded) throw new Error('the 12-bit JPEG decoder returned no pixels');
  // Signed data keeps its two's-complement bit pattern here; decodeFrame sign-extends it from Bits Stored.
  const { buffer, byteOffset, byteLength } = decoded;
  return format.pixelRepresentation === 1 ? new Int16Array(buffer, byteOffset, byteLength >> 1) : new Uint16Array(buffer, byteOffset, byteLength >> 1);
}
