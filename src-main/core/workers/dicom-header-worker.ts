import { parentPort } from 'node:worker_threads';
import { readHeaderFile, type HeaderTask, type HeaderTaskResult } from '../library/read-header-file';
import { serveWorkerTasks } from './pool';

serveWorkerTasks<HeaderTask, HeaderTaskResult>(parentPort, (task) => readHeaderFile(task));
