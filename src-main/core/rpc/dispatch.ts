import type { RpcResult, WorkstationApi } from '../../contract';
import { ConflictError, LesionNotFoundError } from '../catalogue/lesions';
import { ManifestError } from '../inference/manifest';
import { ModelMismatchError } from '../inference/session';
import { JobBusyError } from '../jobs/job-queue';
import { NotFoundError } from '../services/catalogue-service';
import { apiSchemas } from './schemas';

type AnySchema = { safeParse(v: unknown): { success: true; data: unknown[] } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } };

/**
 * Serves the whole contract through one entry point (`service`, `method`, `args`) for IPC and HTTP alike:
 * only methods with a schema can be called, arguments are validated, failures come back as values.
 */
export function createDispatcher(api: WorkstationApi) {
  return async function dispatch(service: unknown, method: unknown, args: unknown): Promise<RpcResult> {
    if (typeof service !== 'string' || typeof method !== 'string' || !Object.hasOwn(apiSchemas, service)) {
      return { ok: false, error: { code: 'not-found', message: `no service ${String(service)}` } };
    }
    const methods = apiSchemas[service as keyof typeof apiSchemas] as Record<string, AnySchema>;
    if (!Object.hasOwn(methods, method)) {
      return { ok: false, error: { code: 'not-found', message: `no method ${service}.${method}` } };
    }
    const parsed = methods[method]!.safeParse(args);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || 'arguments'}: ${i.message}`).join('; ');
      return { ok: false, error: { code: 'invalid-arguments', message: `${service}.${method}: ${detail}` } };
    }
    try {
      const target = api[service as keyof WorkstationApi] as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
      const value = await target[method]!(...parsed.data);
      return { ok: true, value: value ?? null };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof JobBusyError) return { ok: false, error: { code: 'busy', message } };
      if (err instanceof NotFoundError || err instanceof LesionNotFoundError) return { ok: false, error: { code: 'not-found', message } };
      if (err instanceof ConflictError) return { ok: false, error: { code: 'conflict', message } };
      if (err instanceof ModelMismatchError || err instanceof ManifestError) return { ok: false, error: { code: 'invalid-arguments', message } };
      return { ok: false, error: { code: 'failed', message } };
    }
  };
}

export type Dispatch = ReturnType<typeof createDispatcher>;
