// The Node versions Segwork supports are package.json's `engines.node` (one rule, read here): the CLI, `npm start`
// and `npm test` check it first and say in one line what to install, instead of failing later in a dependency.
import { readFileSync } from 'node:fs';

const { engines } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
export const SUPPORTED_NODE = engines.node;

const parse = (version) => version.replace(/^v/, '').split('.').map(Number);
const atLeast = (v, min) => v[0] !== min[0] ? v[0] > min[0] : v[1] !== min[1] ? v[1] > min[1] : v[2] >= min[2];

/** Whether `version` satisfies a range made of `^A.B.C` and `>=A.B.C` alternatives joined by `||`. */
export function satisfies(version, range = SUPPORTED_NODE) {
  const v = parse(version);
  return range.split('||').some((alternative) => {
    const [, op, min] = /^\s*(\^|>=)\s*(\d+\.\d+\.\d+)\s*$/.exec(alternative) ?? [];
    if (!op) throw new Error(`package.json engines.node: cannot read "${alternative.trim()}" (use ^A.B.C or >=A.B.C)`);
    return atLeast(v, parse(min)) && (op === '>=' || v[0] === parse(min)[0]);
  });
}

/** Ends the process with one clear line when this Node is not supported. */
export function requireSupportedNode(who) {
  if (satisfies(process.versions.node)) return;
  process.stderr.write(`${who}: Node ${process.versions.node} is not supported; Segwork needs Node ${SUPPORTED_NODE} (https://nodejs.org)\n`);
  process.exit(1);
}
