#!/usr/bin/env node
// `lesion-ws` runs straight from the TypeScript sources (no build step after `npm ci`): tsx compiles on load.
require('tsx/cjs');
require('./main.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
