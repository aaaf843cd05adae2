import { parseArgs } from 'node:util';
import { runImport, runServe, runStats } from './commands';
import { defaultCataloguePath } from '../core/paths';
import { runCluster, runEvaluate } from './clustering-commands';
import { runLesions } from './lesions-command';
import { runExport } from './export-command';
import { runBench } from './bench';
import { runEmbed, runModels, runSimilar } from './mining-commands';
import { runStart } from './start';

const usage = `lesion-ws <command> [options]

Commands:
  import <path>... --db <file> [--json]   Import DICOM files and folders, DeepLesion tables (DL_info*.csv) and
                                          their Images_png slices into a catalogue
  stats --db <file> [--json]              Counts of patients, studies, series, instances, lesions (per source),
                                          slices per series
  lesions --db <file> [--json] [--source <s>] [--limit <n>]
                                          Lesions with image, box, diameters in px and mm, source, split
  embed --db <file> [--model <name>] [--json]
                                          Embed every lesion lacking an embedding for the model (default:
                                          the bundled scattering-texture model); resumable
  similar --db <file> --lesion <id> [--k 10] [--model <name>] [--json]
                                          The k most similar lesions (cosine of the embeddings)
  cluster --db <file> --k <n> [--features <g1,g2,...>] [--iterate] [--seed <s>] [--metric euclidean|cosine] [--json]
                                          Cluster the lesions (embedding missing ones first); groups: texture,
                                          intensity, size, location, window
  evaluate --db <file> [--run <id>] [--split train|val|test|all] [--json]
                                          Purity, NMI, ARI and accuracy against the reference types
  export --db <file> --format deeplesion|coco|csv|dicom-sr --out <dir> [--category <names>] [--reviewed-only]
         [--source <s,...>] [--split <train,val,test,none>] [--split-seed <s> [--split-fractions 0.7,0.15,0.15]]
         [--pseudonymise] [--overwrite] [--json]
                                          Export the selected lesions with a manifest.json (sha256 of every
                                          file); --split-seed makes a patient-level split stratified by
                                          category; --pseudonymise de-identifies (secret from
                                          $LESION_WS_PSEUDONYM_KEY, else random)
  models [--db <file>] [--json]           Registered models and the execution provider (CUDA or CPU)
  models add <dir> [--db <file>]          Check a folder with model.onnx + manifest.json and add it
  bench [scattering|embedding|clustering|gallery]  Measure speeds (npm run bench) and print them
  serve --db <file> [--port N]            Start the browser host on 127.0.0.1 and print its URL (with token)
  start [--db <file>] [--browser]         Open the workstation (desktop shell, or browser mode when Electron
                                          is not installed), on the bundled sample library by default

Options:
  --db <file>      The catalogue file (created when missing)
  --json           Print one JSON object instead of text
  --port <n>       Port for serve/start in browser mode (default: a free port)
  --workers <n>    Header-parsing worker threads
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(usage);
    return command ? 0 : 2;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      json: { type: 'boolean', default: false },
      port: { type: 'string' },
      workers: { type: 'string' },
      browser: { type: 'boolean', default: false },
      source: { type: 'string' },
      limit: { type: 'string' },
      model: { type: 'string' },
      lesion: { type: 'string' },
      k: { type: 'string' },
      features: { type: 'string' },
      iterate: { type: 'boolean', default: false },
      seed: { type: 'string' },
      metric: { type: 'string' },
      run: { type: 'string' },
      split: { type: 'string' },
      'no-open': { type: 'boolean', default: false },
      format: { type: 'string' },
      out: { type: 'string' },
      category: { type: 'string' },
      'reviewed-only': { type: 'boolean', default: false },
      'split-seed': { type: 'string' },
      'split-fractions': { type: 'string' },
      pseudonymise: { type: 'boolean', default: false },
      overwrite: { type: 'boolean', default: false },
    },
  });
  const workers = values.workers ? Number(values.workers) : undefined;
  const port = values.port ? Number(values.port) : undefined;
  const needDb = (): string => {
    if (!values.db) throw new UsageError(`${command} needs --db <file>`);
    return values.db;
  };
  try {
    switch (command) {
      case 'import':
        if (!positionals.length) throw new UsageError('import needs at least one path');
        return await runImport({ db: needDb(), paths: positionals, json: values.json, workers });
      case 'stats':
        return await runStats({ db: needDb(), json: values.json });
      case 'lesions':
        return await runLesions({ db: needDb(), json: values.json, source: values.source, limit: values.limit ? Number(values.limit) : undefined });
      case 'embed':
        return await runEmbed({ db: needDb(), model: values.model, json: values.json });
      case 'similar':
        if (!values.lesion) throw new UsageError('similar needs --lesion <id>');
        return await runSimilar({ db: needDb(), lesion: Number(values.lesion), k: values.k ? Number(values.k) : 10, model: values.model, json: values.json });
      case 'cluster':
        if (!values.k) throw new UsageError('cluster needs --k <n>');
        return await runCluster({
          db: needDb(),
          k: Number(values.k),
          features: values.features,
          iterate: values.iterate,
          seed: values.seed === undefined ? undefined : Number(values.seed),
          metric: values.metric,
          model: values.model,
          json: values.json,
        });
      case 'evaluate':
        return await runEvaluate({ db: needDb(), run: values.run === undefined ? undefined : Number(values.run), split: values.split, json: values.json });
      case 'export':
        return await runExport({
          db: needDb(),
          format: values.format,
          out: values.out,
          category: values.category,
          reviewedOnly: values['reviewed-only'],
          source: values.source,
          split: values.split,
          splitSeed: values['split-seed'],
          splitFractions: values['split-fractions'],
          pseudonymise: values.pseudonymise,
          overwrite: values.overwrite,
          json: values.json,
        });
      case 'models':
        if (positionals[0] && positionals[0] !== 'add') throw new UsageError(`unknown models command ${positionals[0]}`);
        if (positionals[0] === 'add' && !positionals[1]) throw new UsageError('models add needs a folder');
        return await runModels({ db: values.db ?? defaultCataloguePath(), add: positionals[0] === 'add' ? positionals[1] : undefined, json: values.json });
      case 'bench':
        return await runBench(positionals);
      case 'serve':
        return await runServe({ db: needDb(), port });
      case 'start':
        return await runStart({ db: values.db, port, forceBrowser: values.browser });
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n\n${usage}`);
      return 2;
    }
    throw err;
  }
}

class UsageError extends Error {}
