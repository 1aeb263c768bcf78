// `node --import ./tests/helpers/no-tfjs.mjs …` makes any import of TensorFlow.js fail with its importer's name,
// so a test can show that a command path never loads it (tfjs's start-up is what made `segwork --help` slow).
import { register } from 'node:module';

const hooks = `
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@tensorflow/')) throw new Error('tfjs was imported: ' + specifier + ' from ' + context.parentURL);
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
