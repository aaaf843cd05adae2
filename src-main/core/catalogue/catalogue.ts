import { auditLogRepository } from './audit-log';
import { categoriesRepository } from './categories';
import { clusteringRunsRepository } from './clustering-runs';
import { openDatabase, type Db } from './database';
import { embeddingsRepository } from './embeddings';
import { instancesRepository } from './instances';
import { lesionsRepository } from './lesions';
import { modelVersionsRepository } from './model-versions';
import { patientsRepository } from './patients';
import { rejectedFilesRepository } from './rejected-files';
import { seriesRepository } from './series';
import { studiesRepository } from './studies';

/** One catalogue file and the repository that owns each of its tables. */
export interface Catalogue {
  readonly file: string;
  readonly db: Db;
  readonly id: string;
  readonly patients: ReturnType<typeof patientsRepository>;
  readonly studies: ReturnType<typeof studiesRepository>;
  readonly series: ReturnType<typeof seriesRepository>;
  readonly instances: ReturnType<typeof instancesRepository>;
  readonly rejectedFiles: ReturnType<typeof rejectedFilesRepository>;
  readonly lesions: ReturnType<typeof lesionsRepository>;
  readonly audit: ReturnType<typeof auditLogRepository>;
  readonly modelVersions: ReturnType<typeof modelVersionsRepository>;
  readonly embeddings: ReturnType<typeof embeddingsRepository>;
  readonly clusteringRuns: ReturnType<typeof clusteringRunsRepository>;
  readonly categories: ReturnType<typeof categoriesRepository>;
  /** Runs fn in one transaction: every multi-row change goes through here. */
  transaction<T>(fn: () => T): T;
  /** Removes series (unless lesions refer to them), studies and patients left without members. */
  pruneEmpty(): void;
  close(): void;
}

/** Opens a catalogue; `readonly` for worker threads that only read (WAL lets them read while the main thread writes). */
export function openCatalogue(file: string, options: { readonly?: boolean } = {}): Catalogue {
  const db = openDatabase(file, options);
  const id = (db.prepare("SELECT value FROM catalogue_meta WHERE key = 'catalogue_id'").get() as { value: string }).value;
  const series = seriesRepository(db);
  const studies = studiesRepository(db);
  const patients = patientsRepository(db);
  const audit = auditLogRepository(db);
  return {
    file,
    db,
    id,
    patients,
    studies,
    series,
    instances: instancesRepository(db),
    rejectedFiles: rejectedFilesRepository(db),
    lesions: lesionsRepository(db, audit),
    audit,
    modelVersions: modelVersionsRepository(db),
    embeddings: embeddingsRepository(db),
    clusteringRuns: clusteringRunsRepository(db),
    categories: categoriesRepository(db, audit),
    transaction: <T>(fn: () => T): T => db.transaction(fn)(),
    pruneEmpty() {
      db.transaction(() => {
        series.deleteEmpty();
        studies.deleteEmpty();
        patients.deleteEmpty();
      })();
    },
    close: () => db.close(),
  };
}
