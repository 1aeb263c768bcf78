// The deviation statistic on hand-made errors: the log error's normal mean and std, and a two-sided distance from
// them, so an error far below normal counts as much as one as far above.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deviationMap, normalLogError } from '../../../src/anomaly/deviation.ts';
import { modelStatistic, statisticMap } from '../../../src/anomaly/map.ts';

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-5, `${what}: ${actual}, expected ${expected}`);

test('the normal log error: mean and population std of log(error)', () => {
  // log of e⁰ and e² is 0 and 2: mean 1, std 1.
  const normal = normalLogError(Float32Array.from([1, Math.exp(2)]));
  close(normal.mean, 1, 'mean');
  close(normal.std, 1, 'std');
  // All alike: the spread is floored, not zero.
  assert.ok(normalLogError(Float32Array.from([0.5, 0.5, 0.5])).std > 0);
  assert.throws(() => normalLogError(new Float32Array(0)), /no values/);
});

test('the deviation is |log(error) − mean| / std: too low counts as much as too high', () => {
  const normal = { mean: 1, std: 0.5 };
  const map = deviationMap(Float32Array.from([Math.E, Math.exp(2), Math.exp(0), Math.exp(3), Math.exp(-1)]), normal);
  [0, 2, 2, 4, 4].forEach((expected, i) => close(map[i]!, expected, `pixel ${i}`));
  // An error of exactly 0 (a flat patch reconstructed perfectly) is far from normal, and finite.
  const zero = deviationMap(Float32Array.from([0]), normal)[0]!;
  assert.ok(Number.isFinite(zero) && zero > 30, `deviation of a zero error ${zero}`);
});

test('a map shows the statistic asked for with its own normal scale; a model without the log error maps only errors', () => {
  const withDeviation = { normalScale: 2, deviation: { mean: 0, std: 1, scale: 3 } };
  const errors = Float32Array.from([1, Math.exp(-2)]);
  assert.deepEqual(statisticMap(errors, withDeviation, 'error'), { map: errors, scale: 2 });
  const { map, scale } = statisticMap(errors, withDeviation, 'deviation');
  assert.equal(scale, 3);
  close(map[0]!, 0, 'normal error');
  close(map[1]!, 2, 'low error');

  assert.equal(modelStatistic({}, '/models/old', undefined), 'error');
  assert.equal(modelStatistic({}, '/models/old', 'error'), 'error');
  assert.throws(() => modelStatistic({}, '/models/old', 'deviation'), (e: Error) => e.name === 'InputError' && /\/models\/old/.test(e.message) && /train it again/.test(e.message));
  assert.equal(modelStatistic(withDeviation, '/models/new', undefined), 'deviation', 'a model with the log error maps the deviation by default');
  assert.equal(modelStatistic(withDeviation, '/models/new', 'deviation'), 'deviation');
  assert.equal(modelStatistic(withDeviation, '/models/new', 'error'), 'error');
});
