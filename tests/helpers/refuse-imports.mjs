// `node --import ./tests/helpers/refuse-imports.mjs …` makes any import of a package named in SEGWORK_REFUSE_IMPORTS
// (comma-separated name prefixes, e.g. "@tensorflow/,onnxruntime-node") fail with its importer's name, so a test can
// show that a command path never loads it (TensorFlow.js's start-up is what made `segwork --help` slow).
import { register } from 'node:module';

const refused = (process.env.SEGWORK_REFUSE_IMPORTS ?? '').split(',').filter(Boolean);
const hooks = `
const refused = ${JSON.stringify(refused)};
export async function resolve(specifier, context, next) {
  if (refused.some((name) => specifier === name || specifier.startsWith(name.endsWith('/') ? name : name + '/'))) {
    throw new Error('refused import: ' + specifier + ' from ' + context.parentURL);
  }
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
