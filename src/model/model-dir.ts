// A model directory: model.txt (LightGBM text, the interchange format), model.onnx (for other runtimes) and
// card.json (what the model was trained on and how well it did). Loading checks the card against the feature
// spec in use and refuses a model trained on a different spec: its feature columns would mean other things.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { formatModelText, parseModelText } from './lightgbm-text.js';
import { NativeScorer } from './native-scorer.js';
import { exportOnnx } from './onnx-export.js';
import type { GbdtModel } from './tree.js';

export const MODEL_FILE = 'model.txt';
export const ONNX_FILE = 'model.onnx';
export const CARD_FILE = 'card.json';

const finiteOrNull = z.number().nullable();

export const ModelCardSchema = z.object({
  /** e.g. "s1-v1-20261122T2300Z-3f2a9c1e": spec, training time and a hash of model.txt. */
  modelVersion: z.string().min(1),
  createdAt: z.string(),
  trainer: z.string(),
  featureSpec: z.object({ name: z.string(), version: z.string(), hash: z.string() }),
  objective: z.string(),
  featureNames: z.array(z.string()),
  /** LightGBM parameters as canonical key → value. */
  parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  label: z.object({ description: z.string(), horizonMs: z.number().nullable() }),
  data: z.object({
    source: z.string(),
    trainRows: z.number().int(),
    trainPositives: z.number(),
    validRows: z.number().int(),
    validPositives: z.number(),
    /** Event-time range (epoch ms) of the training and validation windows, when known. */
    trainTimeRange: z.tuple([z.number(), z.number()]).nullable(),
    validTimeRange: z.tuple([z.number(), z.number()]).nullable(),
  }),
  training: z.object({ iterations: z.number().int(), bestIteration: z.number().int(), stoppedEarly: z.boolean(), seconds: z.number() }),
  validation: z.object({
    auc: finiteOrNull,
    prAuc: finiteOrNull,
    logloss: finiteOrNull,
    precision: finiteOrNull,
    recall: finiteOrNull,
  }),
  /** The operating point: users with probability >= threshold are "at risk". */
  threshold: z.number(),
  thresholdRule: z.object({ target: z.enum(['precision', 'recall']), value: z.number(), met: z.boolean() }),
});
export type ModelCard = z.infer<typeof ModelCardSchema>;

/** What identifies a feature spec; FeatureSpec has these fields. */
export interface SpecIdentity {
  name: string;
  version: string;
  hash: string;
}

export class SpecMismatchError extends Error {}

export interface LoadedModelDir {
  dir: string;
  model: GbdtModel;
  card: ModelCard;
  scorer: NativeScorer;
}

/** Throws SpecMismatchError unless the card was trained with exactly this spec. */
export function checkSpec(card: ModelCard, spec: SpecIdentity, dir = 'model'): void {
  if (card.featureSpec.hash !== spec.hash) {
    throw new SpecMismatchError(
      `${dir} was trained with feature spec ${card.featureSpec.name} ${card.featureSpec.version} (hash ${card.featureSpec.hash.slice(0, 12)}…) ` +
        `but the spec in use is ${spec.name} ${spec.version} (hash ${spec.hash.slice(0, 12)}…): retrain the model with this spec, ` +
        `or run with the spec it was trained on`,
    );
  }
}

export async function readModelCard(dir: string): Promise<ModelCard> {
  const path = join(dir, CARD_FILE);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read model card ${path}: ${(err as Error).message}`);
  }
  const parsed = ModelCardSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`${path}: invalid model card: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

/**
 * Loads DIR/{model.txt, card.json}; with `spec`, refuses a model trained on another feature spec. The card's
 * feature names must match the model's (a card copied next to another model is caught here).
 */
export async function loadModelDir(dir: string, spec?: SpecIdentity): Promise<LoadedModelDir> {
  const card = await readModelCard(dir);
  if (spec) checkSpec(card, spec, dir);
  const path = join(dir, MODEL_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read model ${path}: ${(err as Error).message}`);
  }
  const model = parseModelText(text);
  if (model.featureNames.join('\u0000') !== card.featureNames.join('\u0000')) {
    throw new Error(`${dir}: card.json lists other features than model.txt (the files do not belong together)`);
  }
  return { dir, model, card, scorer: new NativeScorer(model) };
}

/** Writes model.txt, model.onnx and card.json into `dir` (created if needed). */
export async function writeModelDir(dir: string, model: GbdtModel, card: ModelCard): Promise<void> {
  const checked = ModelCardSchema.parse(card);
  if (!existsSync(dir)) await mkdir(dir, { recursive: true });
  await writeFile(join(dir, MODEL_FILE), formatModelText(model));
  await writeFile(join(dir, ONNX_FILE), exportOnnx(model));
  await writeFile(join(dir, CARD_FILE), `${JSON.stringify(checked, null, 2)}\n`);
}
