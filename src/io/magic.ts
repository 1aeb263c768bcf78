// Recognise a file's format from its first bytes, so a mislabelled extension cannot fool us.

export type DetectedFormat = 'png' | 'jpeg' | 'tiff' | 'dicom' | 'nifti' | 'gzip';

/** Bytes needed by detectFormat: the DICOM marker sits at 128..131 and the NIfTI-1 magic at 344..347. */
export const MAGIC_BYTES = 352;

export function detectFormat(head: Uint8Array): DetectedFormat | null {
  const at = (offset: number, ...bytes: number[]) => bytes.every((b, i) => head[offset + i] === b);
  // DICOM first: its 128-byte preamble may itself hold a TIFF header (dual-personality files).
  if (at(128, 0x44, 0x49, 0x43, 0x4d)) return 'dicom';
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (at(0, 0xff, 0xd8, 0xff)) return 'jpeg';
  // Classic TIFF (42) and BigTIFF (43), both byte orders.
  if (at(0, 0x49, 0x49, 0x2a, 0x00) || at(0, 0x4d, 0x4d, 0x00, 0x2a) || at(0, 0x49, 0x49, 0x2b, 0x00) || at(0, 0x4d, 0x4d, 0x00, 0x2b)) {
    return 'tiff';
  }
  // NIfTI-1 "n+1\0"/"ni1\0" at 344; NIfTI-2 "n+2\0"/"ni2\0" at 4.
  if (at(344, 0x6e, 0x2b, 0x31, 0x00) || at(344, 0x6e, 0x69, 0x31, 0x00)) return 'nifti';
  if (at(4, 0x6e, 0x2b, 0x32, 0x00) || at(4, 0x6e, 0x69, 0x32, 0x00)) return 'nifti';
  if (at(0, 0x1f, 0x8b)) return 'gzip';
  return null;
}
