// The loss of src/training/losses.ts on the logits, with its gradient in closed form: class-weighted
// cross-entropy over labeled pixels (255 = unlabeled) plus soft Dice over the classes present in the batch; with
// `pixelWeights`, the cross-entropy weighted by a per-pixel input (the separation weight map) instead of by class.
// Also the batch's confusion counts (truth × prediction, labeled pixels only).
import type { OnnxGraphBuilder } from '../graph-builder.ts';
import { TRAINING_INPUTS, TRAINING_OUTPUTS } from './names.ts';
import type { TrainingGraphBuilder } from './layer-gradients.ts';
import { UNLABELED } from '../../../api/types.ts';


export interface LossSpec {
  numClasses: number;
  classWeights?: number[];
  diceWeight: number;
  /** The graph takes `pixel_weights` [N,H,W] and weights the cross-entropy by them instead of classWeights. */
  pixelWeights?: boolean;
}

/** losses.ts's epsilon: probabilities are clipped to [EPS, 1] before the log, and it guards every division. */
const EPS = 1e-7;

export function emitLoss(graph: TrainingGraphBuilder, logits: string, spec: LossSpec): { dLogits: string } {
  const one = (op: string, inputs: string[], base: string, attributes: Parameters<OnnxGraphBuilder['node']>[3] = {}) => graph.node(op, inputs, base, attributes)[0]!;
  const sum = (x: string, axes: number[], base: string, keepdims = 0) => one('ReduceSum', [x, graph.int64s(`${base}_axes`, axes)], base, { keepdims });
  const mul = (a: string, b: string, base: string) => one('Mul', [a, b], base);
  const add = (a: string, b: string, base: string) => one('Add', [a, b], base);
  const sub = (a: string, b: string, base: string) => one('Sub', [a, b], base);
  const div = (a: string, b: string, base: string) => one('Div', [a, b], base);
  const toFloat = (x: string, base: string) => one('Cast', [x], base, { to: 1 });
  const ALL = [0, 1, 2, 3];
  const K = spec.numClasses;
  const labels = TRAINING_INPUTS.labels;

  const p = one('Softmax', [logits], 'loss_probs', { axis: 1 });
  const unlabeled = one('Equal', [labels, graph.int64s('loss_unlabeled', [UNLABELED])], 'loss_is_unlabeled');
  const valid = toFloat(one('Not', [unlabeled], 'loss_is_labeled'), 'loss_valid'); // [N,H,W]
  const valid4 = one('Unsqueeze', [valid, graph.int64s('loss_valid_axes', [1])], 'loss_valid4');
  const safe = one('Where', [unlabeled, graph.int64s('loss_zero', [0]), labels], 'loss_safe_labels');
  const onehotValues = graph.floats('loss_onehot_values', [2], new Float32Array([0, 1]));
  const onehot = mul(one('OneHot', [safe, graph.int64s('loss_depth', [K]), onehotValues], 'loss_onehot_all', { axis: 1 }), valid4, 'loss_onehot');
  const weights = spec.pixelWeights
    ? mul(one('Unsqueeze', [TRAINING_INPUTS.pixelWeights, graph.int64s('loss_pixel_weights_axes', [1])], 'loss_pixel_weights4'), valid4, 'loss_pixel_weights_valid')
    : graph.floats('loss_class_weights', [1, K, 1, 1], Float32Array.from(spec.classWeights ?? new Array(K).fill(1)));
  const weightedOnehot = mul(onehot, weights, 'loss_weighted_onehot');
  const pixelWeight = sum(weightedOnehot, [1], 'loss_pixel_weight', 1); // [N,1,H,W]: the pixel's weight, 0 unlabeled
  const totalWeight = add(sum(pixelWeight, ALL, 'loss_total_weight'), graph.scalar(EPS), 'loss_total_weight_eps');
  const logp = one('Log', [one('Clip', [p, graph.scalar(EPS), graph.scalar(1)], 'loss_clipped')], 'loss_logp');
  const ceSum = sum(mul(weightedOnehot, logp, 'loss_w_t_logp'), ALL, 'loss_ce_sum');
  const ce = div(one('Neg', [ceSum], 'loss_ce_neg'), totalWeight, 'loss_ce');
  // d(ce)/d(logits) = w_label · (p − onehot) / Σw where the true class's p passed the clip (tfjs's clip passes no gradient below it).
  const pTrue = sum(mul(p, onehot, 'loss_p_true_all'), [1], 'loss_p_true', 1);
  const unclipped = toFloat(one('Greater', [pTrue, graph.scalar(EPS)], 'loss_unclipped_b'), 'loss_unclipped');
  const ceScale = div(mul(pixelWeight, unclipped, 'loss_ce_w'), totalWeight, 'loss_ce_scale');
  let dLogits = mul(sub(p, onehot, 'loss_p_minus_t'), ceScale, 'loss_dlogits_ce');
  let loss = ce;

  if (spec.diceWeight > 0) {
    const pv = mul(p, valid4, 'dice_pv');
    const truth = sum(onehot, [0, 2, 3], 'dice_truth', 1); // [1,K,1,1]
    const intersection = sum(mul(pv, onehot, 'dice_pt'), [0, 2, 3], 'dice_intersection', 1);
    const denominator = add(sum(pv, [0, 2, 3], 'dice_p_sum', 1), truth, 'dice_denominator');
    const present = toFloat(one('Greater', [truth, graph.scalar(0)], 'dice_present_b'), 'dice_present');
    const twoIPlusEps = add(mul(intersection, graph.scalar(2), 'dice_2i'), graph.scalar(EPS), 'dice_2i_eps');
    const dPlusEps = add(denominator, graph.scalar(EPS), 'dice_d_eps');
    const dicePerClass = div(twoIPlusEps, dPlusEps, 'dice_per_class');
    const presentCount = add(sum(present, ALL, 'dice_present_sum'), graph.scalar(EPS), 'dice_present_count');
    const missed = mul(sub(graph.scalar(1), dicePerClass, 'dice_one_minus'), present, 'dice_masked');
    const dice = div(sum(missed, ALL, 'dice_sum'), presentCount, 'dice');
    loss = add(ce, mul(dice, graph.scalar(spec.diceWeight), 'dice_weighted'), 'loss_total');
    // d(dice)/dp_c at a pixel = −w·present_c/count · (2·t_c·(D_c+ε) − (2I_c+ε)·valid) / (D_c+ε)².
    const coefficient = div(mul(present, graph.scalar(-spec.diceWeight), 'dice_coef_num'), mul(presentCount, mul(dPlusEps, dPlusEps, 'dice_d_sq'), 'dice_coef_den'), 'dice_coef');
    const inner = sub(mul(mul(onehot, graph.scalar(2), 'dice_2t'), dPlusEps, 'dice_2t_d'), mul(twoIPlusEps, valid4, 'dice_2i_v'), 'dice_inner');
    const dp = mul(inner, coefficient, 'dice_dp');
    // Through the softmax: dz = p · (dp − Σ_c dp_c p_c).
    const dot = sum(mul(dp, p, 'dice_dp_p'), [1], 'dice_dot', 1);
    dLogits = add(dLogits, mul(p, sub(dp, dot, 'dice_dp_centred'), 'dice_dz'), 'loss_dlogits');
  }
  graph.nodeNamed('Identity', [loss], [TRAINING_OUTPUTS.loss]);

  // Confusion counts: one-hot of truth·K + prediction over labeled pixels, summed.
  const predicted = one('ArgMax', [p], 'confusion_pred', { axis: 1, keepdims: 0 });
  const cell = add(mul(safe, graph.int64s('confusion_k', [K]), 'confusion_row'), predicted, 'confusion_cell');
  const cells = one('OneHot', [cell, graph.int64s('confusion_depth', [K * K]), onehotValues], 'confusion_onehot', { axis: -1 });
  const counted = mul(cells, one('Unsqueeze', [valid, graph.int64s('confusion_valid_axes', [3])], 'confusion_valid'), 'confusion_counted');
  graph.nodeNamed('ReduceSum', [counted, graph.int64s('confusion_axes', [0, 1, 2])], [TRAINING_OUTPUTS.confusion], { keepdims: 0 });
  return { dLogits };
}
