// A JSON record file read whole: a missing file is the caller's message (it knows what the folder should be), a
// file that does not parse names itself and the parser's complaint.
import * as fs from 'node:fs/promises';
import { InputError } from '../api/errors.ts';

export async function readJsonFile(file: string, missing: () => InputError): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw missing();
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(file, `corrupt JSON (${(e as Error).message})`);
  }
}
