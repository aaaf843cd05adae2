import { cpus } from 'node:os';
import type { MessagePort, Worker } from 'node:worker_threads';
import { spawnWorker, type WorkerName } from './spawn';

export class WorkerTaskError extends Error {}

interface Pending<Res> {
  id: number;
  request: unknown;
  resolve: (value: Res) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | null;
  onProgress?: (progress: unknown) => void;
}

export interface RunOptions {
  /** Progress messages the worker sends while it works (see serveWorkerTasks' `report`). */
  onProgress?: (progress: unknown) => void;
  /** Aborting terminates the worker running the task (a fresh one takes the next task). */
  signal?: AbortSignal;
}

interface Slot<Res> {
  worker: Worker;
  busy: Pending<Res> | null;
}

export interface WorkerPoolOptions {
  name: WorkerName;
  size?: number;
  /** A task running longer is abandoned: its worker is terminated and replaced. */
  taskTimeoutMs?: number;
  /** Heap cap per worker, so a hostile file cannot take the whole process down. */
  maxHeapMb?: number;
  /** Passed to every worker (e.g. the catalogue path and the model folder). */
  workerData?: unknown;
}

/**
 * A fixed set of worker threads running one task each. A worker that crashes, runs out of memory or
 * exceeds the timeout fails only its own task and is replaced; the pool keeps going.
 */
export class WorkerPool<Req, Res> {
  private readonly slots: Slot<Res>[] = [];
  private readonly queue: Pending<Res>[] = [];
  private nextId = 1;
  private closed = false;
  readonly size: number;

  constructor(private readonly options: WorkerPoolOptions) {
    this.size = Math.max(1, options.size ?? Math.min(4, Math.max(1, cpus().length - 1)));
  }

  run(request: Req, options: RunOptions = {}): Promise<Res> {
    if (this.closed) return Promise.reject(new WorkerTaskError('worker pool is closed'));
    if (options.signal?.aborted) return Promise.reject(new WorkerTaskError('cancelled'));
    return new Promise<Res>((resolve, reject) => {
      const task: Pending<Res> = { id: this.nextId++, request, resolve, reject, timer: null, onProgress: options.onProgress };
      options.signal?.addEventListener('abort', () => this.abort(task), { once: true });
      this.queue.push(task);
      this.pump();
    });
  }

  private abort(task: Pending<Res>): void {
    const queued = this.queue.indexOf(task);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      task.reject(new WorkerTaskError('cancelled'));
      return;
    }
    const slot = this.slots.find((s) => s.busy === task);
    if (slot) this.fail(slot, new WorkerTaskError('cancelled'));
  }

  private pump(): void {
    while (this.queue.length) {
      let slot = this.slots.find((s) => !s.busy);
      if (!slot && this.slots.length < this.size) slot = this.addSlot();
      if (!slot) return;
      const task = this.queue.shift()!;
      slot.busy = task;
      slot.worker.ref(); // a busy worker keeps the process alive until its answer arrives
      if (this.options.taskTimeoutMs) {
        task.timer = setTimeout(() => this.fail(slot!, new WorkerTaskError(`timed out after ${this.options.taskTimeoutMs} ms`)), this.options.taskTimeoutMs);
      }
      slot.worker.postMessage({ id: task.id, request: task.request });
    }
  }

  private addSlot(): Slot<Res> {
    const worker = spawnWorker(this.options.name, {
      resourceLimits: this.options.maxHeapMb ? { maxOldGenerationSizeMb: this.options.maxHeapMb } : undefined,
      workerData: this.options.workerData,
    });
    const slot: Slot<Res> = { worker, busy: null };
    worker.on('message', (msg: { id: number; ok?: boolean; value?: Res; error?: string; progress?: unknown }) => {
      const task = slot.busy;
      if (!task || task.id !== msg.id) return;
      if ('progress' in msg) {
        task.onProgress?.(msg.progress);
        return;
      }
      this.settle(slot);
      if (msg.ok) task.resolve(msg.value as Res);
      else task.reject(new WorkerTaskError(msg.error ?? 'worker task failed'));
      this.pump();
    });
    worker.on('error', (err) => this.fail(slot, new WorkerTaskError(`worker crashed: ${err.message}`)));
    worker.on('exit', (code) => {
      if (this.slots.includes(slot)) this.fail(slot, new WorkerTaskError(`worker exited with code ${code}`));
    });
    worker.unref();
    this.slots.push(slot);
    return slot;
  }

  private settle(slot: Slot<Res>): void {
    if (slot.busy?.timer) clearTimeout(slot.busy.timer);
    slot.busy = null;
    slot.worker.unref(); // an idle worker does not keep the process alive
  }

  /** Fails the slot's task, retires its worker and lets a fresh one take the next task. */
  private fail(slot: Slot<Res>, err: Error): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    const task = slot.busy;
    this.settle(slot);
    void slot.worker.terminate();
    task?.reject(err);
    if (!this.closed) this.pump();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new WorkerTaskError('worker pool closed'));
    const slots = this.slots.splice(0);
    for (const slot of slots) {
      slot.busy?.reject(new WorkerTaskError('worker pool closed'));
      this.settle(slot);
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}

/**
 * The worker side: answers each task message with the handler's result or its error message. The handler may
 * `report` progress while it works.
 */
export function serveWorkerTasks<Req, Res>(port: MessagePort | null, handler: (req: Req, report: (progress: unknown) => void) => Promise<Res> | Res): void {
  if (!port) throw new Error('serveWorkerTasks must run inside a worker thread');
  port.on('message', async (msg: { id: number; request: Req }) => {
    try {
      const report = (progress: unknown) => port.postMessage({ id: msg.id, progress });
      port.postMessage({ id: msg.id, ok: true, value: await handler(msg.request, report) });
    } catch (err) {
      port.postMessage({ id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err) });
    }
  });
}
