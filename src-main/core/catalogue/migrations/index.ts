import { migration001 } from './001-library';
import { migration002 } from './002-lesions';
import { migration003 } from './003-models-embeddings';
import { migration004 } from './004-clustering';
import { migration005 } from './005-review';

export interface Migration {
  /** Numbered from 1 without gaps; never edit one that has landed, add the next. */
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [migration001, migration002, migration003, migration004, migration005];
