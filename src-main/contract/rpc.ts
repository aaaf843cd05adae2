import type { AppApi } from './app';
import type { CatalogueApi } from './catalogue';
import type { ClusteringApi } from './clustering';
import type { ExportApi } from './export';
import type { JobsApi } from './jobs';
import type { LesionsApi } from './lesions';
import type { LibraryApi } from './library';
import type { MiningApi, ModelsApi } from './models';
import type { ReviewApi } from './review';

/** The whole API a window sees, one interface per domain. */
export interface WorkstationApi {
  app: AppApi;
  library: LibraryApi;
  catalogue: CatalogueApi;
  lesions: LesionsApi;
  models: ModelsApi;
  mining: MiningApi;
  clustering: ClusteringApi;
  review: ReviewApi;
  export: ExportApi;
  jobs: JobsApi;
}

export type ServiceName = keyof WorkstationApi;
export type MethodName<S extends ServiceName> = Extract<keyof WorkstationApi[S], string>;

export type RpcErrorCode =
  /** No such service or method. */
  | 'not-found'
  /** The arguments did not match the method's schema. */
  | 'invalid-arguments'
  /** The request lacked the session token (browser host only). */
  | 'unauthorized'
  /** A job of the same kind is already running. */
  | 'busy'
  /** The record changed since it was read (another window edited it): reload and retry. */
  | 'conflict'
  /** The method ran and failed; the message says why. */
  | 'failed';

export interface RpcError {
  code: RpcErrorCode;
  message: string;
}

/** What IPC and HTTP carry back for every call: errors are values, never thrown across the boundary. */
export type RpcResult<T = unknown> = { ok: true; value: T } | { ok: false; error: RpcError };

/** The one global the desktop preload exposes; the browser build talks HTTP/WebSocket instead. */
export interface PreloadBridge {
  invoke(service: string, method: string, args: unknown[]): Promise<RpcResult>;
  on(listener: (event: string, payload: unknown) => void): () => void;
}
