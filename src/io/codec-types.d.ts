// Type declarations for JS-only codec packages used by the DICOM reader.

declare module 'jpeg-lossless-decoder-js' {
  export class Decoder {
    /** Decodes a lossless JPEG; numBytes = bytes per output sample (1 or 2). */
    decode(buffer: ArrayBufferLike, offset?: number, length?: number, numBytes?: number): Uint8Array | Uint16Array | Int16Array;
  }
}

/** The Emscripten decoders from @cornerstonejs/codec-*: OpenJPEG (J2KDecoder), CharLS (JpegLSDecoder), libjpeg-turbo (JPEGDecoder). */
interface CornerstoneFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}
interface CornerstoneDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getFrameInfo(): CornerstoneFrameInfo;
  getDecodedBuffer(): Uint8Array;
  delete(): void;
}
type CornerstoneCodecFactory = (options?: { print?: (s: string) => void; printErr?: (s: string) => void }) =>
  Promise<Record<string, new () => CornerstoneDecoder>>;

declare module '@cornerstonejs/codec-openjpeg/decodewasmjs' {
  const factory: CornerstoneCodecFactory;
  export default factory;
}
declare module '@cornerstonejs/codec-charls/decodewasmjs' {
  const factory: CornerstoneCodecFactory;
  export default factory;
}
declare module '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs' {
  const factory: CornerstoneCodecFactory;
  export default factory;
}

/** dcmjs-codecs: only what the 12-bit JPEG decoder uses (the package's own index.d.ts has the same shapes). */
declare module 'dcmjs-codecs' {
  export class Context {
    constructor(attrs: {
      width: number;
      height: number;
      bitsAllocated: number;
      bitsStored: number;
      samplesPerPixel: number;
      pixelRepresentation: number;
      planarConfiguration: number;
      photometricInterpretation: string;
      encodedBuffer?: Uint8Array;
    });
    getDecodedBuffer(): Uint8Array | undefined;
  }
  export class NativeCodecs {
    static initializeAsync(opts?: { webAssemblyModulePathOrUrl?: string; logCodecsInfo?: boolean; logCodecsTrace?: boolean }): Promise<void>;
    static decodeJpeg(context: Context, parameters?: { convertColorspaceToRgb?: boolean }): Context;
  }
}
