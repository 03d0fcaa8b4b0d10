// `hotspot predict`: LightGBM's task=predict from the command line. Reads CSV/TSV like LightGBM's CLI, scores
// with the native scorer (or TreeSHAP for --contrib) in batches, and writes one tab-separated line per row with
// 17 significant digits, as LightGBM's predictor does, so the two outputs compare line by line.
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { parseFlags, UsageError, type Command } from '../command.js';
import { parseModelText } from '../../model/lightgbm-text.js';
import { NativeScorer } from '../../model/native-scorer.js';
import { predictContrib } from '../../model/tree-shap.js';
import { DataFormatError, detectDelimiter, parseDataLine, resolveLabelColumn, type Delimiter } from '../../model/lightgbm-data.js';
import { formatDouble17 } from '../../model/number-format.js';

const HELP = `usage: hotspot predict --model FILE --data FILE --out FILE [--header] [--label-column N]
                       [--raw-score] [--contrib]

Scores a CSV or TSV file with a LightGBM text model, writing output identical in format to LightGBM's
task=predict: one line per data row, values separated by tabs, 17 significant digits.

options:
  --model FILE        LightGBM text model (model.txt)
  --data FILE         CSV/TSV data; comma or tab is detected from the first data line
  --out FILE          where to write predictions ('-' for standard output)
  --header            the first line holds column names
  --label-column N    column holding the label, skipped (default 0; -1 = no label column; name:COL with --header)
  --raw-score         raw scores (before the sigmoid/softmax), like predict_raw_score=true
  --contrib           SHAP contributions per feature then the expected value, like predict_contrib=true
  --batch-rows N      rows scored per batch (default 4096)

Missing values: empty, NA, nan, null → NaN (handled per the model's missing-value rules).
A malformed line stops the run with its line number: a prediction file must keep one line per row.

example:
  hotspot predict --model models/default/model.txt --data test.tsv --out pred.txt`;

const OptionsSchema = z.object({
  model: z.string().min(1, '--model is required'),
  data: z.string().min(1, '--data is required'),
  out: z.string().min(1, '--out is required'),
  header: z.boolean().default(false),
  labelColumn: z.string().optional(),
  rawScore: z.boolean().default(false),
  contrib: z.boolean().default(false),
  batchRows: z.coerce.number().int().positive().max(1_000_000).default(4096),
});

export interface PredictOptions {
  model: string;
  data: string;
  out: string;
  header?: boolean;
  labelColumn?: string;
  rawScore?: boolean;
  contrib?: boolean;
  batchRows?: number;
}

/** Runs a prediction file → output file; returns the number of rows written. */
export async function predictFile(options: PredictOptions): Promise<number> {
  const opts = OptionsSchema.parse(options);
  if (opts.rawScore && opts.contrib) throw new UsageError('predict: --raw-score and --contrib are exclusive');
  const model = parseModelText(readFileSync(opts.model, 'utf8'));
  const scorer = new NativeScorer(model);
  const nf = scorer.numFeatures;
  const nc = scorer.numClass;

  const output = opts.out === '-' ? process.stdout : createWriteStream(opts.out);
  const input = createReadStream(opts.data, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });

  const batch = new Float64Array(opts.batchRows * nf);
  let rowsInBatch = 0;
  let written = 0;
  let lineNo = 0;
  let delimiter: Delimiter | null = null;
  let labelColumn = 0;
  let headerSeen = !opts.header;
  let labelResolved = false;

  const flush = async () => {
    if (rowsInBatch === 0) return;
    let text = '';
    if (opts.contrib) {
      const values = predictContrib(model, batch, rowsInBatch);
      const width = nc * (nf + 1);
      for (let r = 0; r < rowsInBatch; r++) text += joinRow(values, r * width, width);
    } else {
      const values = opts.rawScore ? scorer.predictRaw(batch, rowsInBatch) : scorer.predict(batch, rowsInBatch);
      for (let r = 0; r < rowsInBatch; r++) text += joinRow(values, r * nc, nc);
    }
    written += rowsInBatch;
    rowsInBatch = 0;
    if (!output.write(text)) await once(output, 'drain');
  };

  try {
    for await (const line of lines) {
      lineNo++;
      if (!headerSeen) {
        headerSeen = true;
        delimiter = detectDelimiter(line);
        labelColumn = resolveLabelColumn(opts.labelColumn, line.split(delimiter).map((s) => s.trim()));
        labelResolved = true;
        continue;
      }
      if (line.trim() === '') continue; // LightGBM skips empty lines
      if (delimiter === null) delimiter = detectDelimiter(line);
      if (!labelResolved) {
        labelColumn = resolveLabelColumn(opts.labelColumn, null);
        labelResolved = true;
      }
      parseDataLine(line, delimiter, labelColumn, nf, batch, rowsInBatch * nf, lineNo);
      rowsInBatch++;
      if (rowsInBatch === opts.batchRows) await flush();
    }
    await flush();
  } finally {
    lines.close();
    input.destroy();
    if (output !== process.stdout) {
      output.end();
      await once(output, 'finish');
    }
  }
  return written;
}

function joinRow(values: Float64Array, start: number, count: number): string {
  let s = formatDouble17(values[start]);
  for (let k = 1; k < count; k++) s += '\t' + formatDouble17(values[start + k]);
  return s + '\n';
}

const command: Command = {
  name: 'predict',
  summary: "score a CSV/TSV with a LightGBM text model, output like LightGBM's task=predict",
  help: HELP,
  async run(argv) {
    const { values } = parseFlags('predict', argv, {
      model: { type: 'string' },
      data: { type: 'string' },
      out: { type: 'string' },
      header: { type: 'boolean' },
      'label-column': { type: 'string' },
      'raw-score': { type: 'boolean' },
      contrib: { type: 'boolean' },
      'batch-rows': { type: 'string' },
    });
    const parsed = OptionsSchema.safeParse({
      model: values.model ?? '',
      data: values.data ?? '',
      out: values.out ?? '',
      header: values.header ?? false,
      labelColumn: values['label-column'],
      rawScore: values['raw-score'] ?? false,
      contrib: values.contrib ?? false,
      batchRows: values['batch-rows'],
    });
    if (!parsed.success) {
      throw new UsageError(`predict: ${parsed.error.issues.map((i) => i.message).join('; ')} (see 'hotspot predict --help')`);
    }
    try {
      const rows = await predictFile(parsed.data);
      if (parsed.data.out !== '-') console.error(`hotspot predict: ${rows} rows → ${parsed.data.out}`);
      return 0;
    } catch (err) {
      if (err instanceof UsageError) throw err;
      const e = err as Error;
      // `--out - | head`: the reader went away; stop quietly like other Unix tools.
      if ((err as NodeJS.ErrnoException).code === 'EPIPE') return 0;
      if (err instanceof DataFormatError || e.name === 'ModelFormatError' || (err as NodeJS.ErrnoException).code) {
        console.error(`hotspot predict: ${e.message}`);
        return 1;
      }
      throw err;
    }
  },
};
export default command;
