// The WebAssembly image codecs from cornerstonejs (libjpeg-turbo, CharLS, OpenJPEG), loaded once per process:
// DICOM frames and JPEG-compressed TIFF tiles decode through them.

export type CornerstoneCodec = 'jpeg' | 'jpeg-ls' | 'jpeg-2000';
const decoderModules = new Map<CornerstoneCodec, Promise<new () => CornerstoneDecoder>>();
const quiet = { print: () => undefined, printErr: () => undefined };

/** The decoder class of `codec`; OpenJPEG's info lines are silenced. */
export function loadDecoder(codec: CornerstoneCodec): Promise<new () => CornerstoneDecoder> {
  let loading = decoderModules.get(codec);
  if (!loading) {
    loading = (async () => {
      if (codec === 'jpeg-2000') return (await (await import('@cornerstonejs/codec-openjpeg/decodewasmjs')).default(quiet)).J2KDecoder;
      if (codec === 'jpeg-ls') return (await (await import('@cornerstonejs/codec-charls/decodewasmjs')).default(quiet)).JpegLSDecoder;
      return (await (await import('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs')).default(quiet)).JPEGDecoder;
    })();
    decoderModules.set(codec, loading);
  }
  return loading;
}
