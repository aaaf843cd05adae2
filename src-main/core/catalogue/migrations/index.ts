import { migration001 } from './001-library';

export interface Migration {
  /** Numbered from 1 without gaps; never edit one that has landed, add the next. */
  version: number;
  name: string;
  sql: string;
}

export const migrations: readonly Migration[] = [migration001];
