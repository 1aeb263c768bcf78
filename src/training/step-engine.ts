// What runs a training step: tfjs (autodiff and Adam on the active backend) or ONNX Runtime (the compiled step
// graph of onnx-trainer.ts). The loop sees only this interface; either engine keeps the tfjs model's weights
// current when asked (sync), so checkpoints, the model directory and validation are engine-independent.
import * as tf from '@tensorflow/tfjs';
import { checkedStep } from '../compute/wasm-threads.ts';
import { modelPredictor } from '../inference/tfjs-predictor.ts';
import type { TilePredictor } from '../inference/tiler.ts';
import type { ModelMeta } from '../models/model-dir.ts';
import type { LossOptions } from './losses.ts';
import { segmentationLoss } from './losses.ts';
import { requiredWeights, type Batch } from './sampler.ts';

export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

export interface StepEngine {
  /** For the training summary and events: "wasm", "onnxruntime (cpu)", … */
  readonly name: string;
  /** One optimiser step on the batch; returns the loss. */
  step(batch: Batch, during: string): Promise<number>;
  /** Writes the current weights (and batch-norm statistics) into the tfjs model. */
  sync(): Promise<void>;
  /** Adam's state as tfjs's optimizer.getWeights() lists it: iterations, then m and v per trainable weight. */
  optimizerWeights(): Promise<NamedTensor[]>;
  /** Restores that state (resume). */
  setOptimizerWeights(weights: NamedTensor[]): Promise<void>;
  /** Runs `use` with forward passes of the current (synced) weights on this engine: validation. */
  withPredictor<T>(meta: ModelMeta, use: (predict: TilePredictor) => Promise<T>): Promise<T>;
  dispose(): void;
}

/** tfjs's own step: optimizer.minimize over the model's trainable weights. */
export class TfjsStepEngine implements StepEngine {
  private readonly optimizer: tf.AdamOptimizer;
  private readonly varList: tf.Variable[];

  constructor(private readonly model: tf.LayersModel, readonly name: string, learningRate: number, private readonly loss: LossOptions) {
    this.optimizer = tf.train.adam(learningRate);
    this.varList = model.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  step(batch: Batch, during: string): Promise<number> {
    return checkedStep(during, async () => {
      const lossValue = tf.tidy(() => {
        const x = tf.tensor4d(batch.images, [batch.batchSize, batch.size, batch.size, batch.bands]);
        const y = tf.tensor3d(batch.masks, [batch.batchSize, batch.size, batch.size], 'int32');
        const w = this.loss.pixelWeights ? tf.tensor3d(requiredWeights(batch), [batch.batchSize, batch.size, batch.size]) : undefined;
        return this.optimizer.minimize(() => segmentationLoss(this.model.apply(x, { training: true }) as tf.Tensor4D, y, this.loss, w), true, this.varList)!;
      });
      const value = (await lossValue.data())[0]!;
      lossValue.dispose();
      return value;
    });
  }

  async sync(): Promise<void> {}

  optimizerWeights(): Promise<NamedTensor[]> {
    return this.optimizer.getWeights();
  }

  setOptimizerWeights(weights: NamedTensor[]): Promise<void> {
    return this.optimizer.setWeights(weights);
  }

  withPredictor<T>(_meta: ModelMeta, use: (predict: TilePredictor) => Promise<T>): Promise<T> {
    return use(modelPredictor(this.model));
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
