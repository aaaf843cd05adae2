/**
 * Writes models/scattering/model.onnx and manifest.json (or into `--out <dir>`), deterministically:
 *   npx tsx models/scattering/build.ts [--out <dir>]
 */
import { resolve } from 'node:path';
import { writeScatteringModel } from '../../src-main/core/embedding/scattering/model';

const at = process.argv.indexOf('--out');
const outDir = at >= 0 && process.argv[at + 1] ? resolve(process.argv[at + 1]!) : __dirname;
const written = writeScatteringModel(outDir);
console.log(`${written.modelPath}: ${written.bytes} bytes, ${written.nodes} nodes, sha256 ${written.sha256}`);
