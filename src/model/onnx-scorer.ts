// Scoring an exported model with onnxruntime-node. The exported graph takes double input, so Float32Array rows
// are widened (exactly) before the run.
import * as ort from 'onnxruntime-node';
import { ONNX_INPUT, ONNX_OUTPUT, ONNX_RAW_OUTPUT } from './onnx-export.js';

export interface OnnxScorerOptions {
  /** Threads for one run; 1 for a fair one-core comparison with the native scorer. Default 1. */
  intraOpNumThreads?: number;
}

export class OnnxScorer {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly numFeatures: number,
    readonly numClass: number,
  ) {}

  static async create(modelBytes: Uint8Array, options: OnnxScorerOptions = {}): Promise<OnnxScorer> {
    const session = await ort.InferenceSession.create(modelBytes, {
      intraOpNumThreads: options.intraOpNumThreads ?? 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    const inputMeta = session.inputMetadata.find((m) => m.name === ONNX_INPUT);
    const outputMeta = session.outputMetadata.find((m) => m.name === ONNX_OUTPUT);
    const dim = (meta: typeof inputMeta) => (meta && meta.isTensor ? Number(meta.shape[1]) : NaN);
    const numFeatures = dim(inputMeta);
    const numClass = dim(outputMeta);
    if (!Number.isInteger(numFeatures) || !Number.isInteger(numClass)) {
      await session.release();
      throw new Error(`ONNX model lacks the '${ONNX_INPUT}' [N, F] input or '${ONNX_OUTPUT}' [N, C] output of a hotspot export`);
    }
    return new OnnxScorer(session, numFeatures, numClass);
  }

  /** Transformed predictions, numRows × numClass. */
  predict(rows: Float32Array | Float64Array, numRows: number): Promise<Float64Array> {
    return this.run(rows, numRows, ONNX_OUTPUT);
  }

  /** Raw scores, numRows × numClass. */
  predictRaw(rows: Float32Array | Float64Array, numRows: number): Promise<Float64Array> {
    return this.run(rows, numRows, ONNX_RAW_OUTPUT);
  }

  private async run(rows: Float32Array | Float64Array, numRows: number, output: string): Promise<Float64Array> {
    const need = numRows * this.numFeatures;
    if (rows.length < need) throw new RangeError(`OnnxScorer: ${rows.length} values cannot hold ${numRows} rows × ${this.numFeatures} features`);
    const data = rows instanceof Float64Array ? rows.subarray(0, need) : Float64Array.from(rows.subarray(0, need));
    const input = new ort.Tensor('float64', data, [numRows, this.numFeatures]);
    const result = await this.session.run({ [ONNX_INPUT]: input }, [output]);
    return result[output].data as Float64Array;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
