// A decoding library's failure as words for the user: its own message when it has one, never "[object Object]",
// "undefined" or a JavaScript engine's complaint about its internals (which says nothing about the file).

/** dicom-parser throws strings ("dicomParser.readFixedString: attempt to read past end of buffer") and objects. */
const LIBRARY_PREFIX = /^[\w.:]+: /;

export function causeText(error: unknown): string {
  if (error instanceof TypeError || error instanceof RangeError) {
    // "Cannot read properties of undefined (reading 'esize')", "Offset is outside the bounds of the DataView":
    // the library walked off its own data structure, which means the file's structure is damaged.
    return 'its structure is damaged where the decoder could not follow it';
  }
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'string' && error) return error.replace(LIBRARY_PREFIX, '');
  if (error && typeof error === 'object' && 'exception' in error) return causeText((error as { exception: unknown }).exception);
  return 'the decoder failed without saying why';
}
