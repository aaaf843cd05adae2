// Runs a TypeScript worker entry from source (CLI via tsx, tests): registers tsx in this thread, then loads it.
// Built apps load the bundled .js entry directly and never use this file.
const { workerData } = require('node:worker_threads');
require('tsx/cjs');
require(workerData.__entry);
