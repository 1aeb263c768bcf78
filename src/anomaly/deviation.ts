// The deviation statistic: how far a pixel's smoothed error lies from what normal images show, in either direction.
// The error alone marks texture: a smooth foreign region reconstructs better than normal tissue, so its error is
// low. On the log scale (errors are positive and skewed) the distance from the normal mean, in normal standard
// deviations, is high for errors unusually low as well as unusually high.

/** The log smoothed error's mean and standard deviation over the training images' maps. */
export interface NormalLogError {
  mean: number;
  std: number;
}

/** Keeps log finite where a map is exactly 0 (a constant patch reconstructed perfectly). */
const LOG_FLOOR = 1e-8;
/** A training set whose errors are all alike still divides by a positive spread. */
const MIN_STD = 1e-6;

const logError = (value: number) => Math.log(Math.max(value, 0) + LOG_FLOOR);

/** The mean and (population) standard deviation of log(error) over normal map values. */
export function normalLogError(errors: ArrayLike<number>): NormalLogError {
  if (errors.length === 0) throw new RangeError('the log error of no values is undefined');
  let sum = 0;
  for (let i = 0; i < errors.length; i++) sum += logError(errors[i]!);
  const mean = sum / errors.length;
  let squares = 0;
  for (let i = 0; i < errors.length; i++) squares += (logError(errors[i]!) - mean) ** 2;
  return { mean, std: Math.max(Math.sqrt(squares / errors.length), MIN_STD) };
}

/** Each pixel's |log(error) − normal mean| / normal std. */
export function deviationMap(errors: Float32Array, normal: NormalLogError): Float32Array {
  const out = new Float32Array(errors.length);
  for (let i = 0; i < errors.length; i++) out[i] = Math.abs(logError(errors[i]!) - normal.mean) / normal.std;
  return out;
}
