import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';

/**
 * One reversible change, as plain data so the history survives a reload of the window (sessionStorage).
 * Both directions call the core, so an undo is itself saved and audited.
 */
export interface Command<P = unknown> {
  kind: string;
  label: string;
  payload: P;
}

export interface CommandHandler<P> {
  undo(payload: P): Promise<void>;
  redo(payload: P): Promise<void>;
}

/** Registry of command kinds: a feature registers how to undo and redo its own changes. */
const handlers = new Map<string, CommandHandler<unknown>>();

export function registerCommandKind<P>(kind: string, handler: CommandHandler<P>): void {
  handlers.set(kind, handler as CommandHandler<unknown>);
}

const LIMIT = 500;
const STORAGE_KEY = 'lesion-ws.history';

function loadStored(): { done: Command[]; undone: Command[] } {
  try {
    const parsed = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as { done: Command[]; undone: Command[] } | null;
    return parsed && Array.isArray(parsed.done) && Array.isArray(parsed.undone) ? parsed : { done: [], undone: [] };
  } catch {
    return { done: [], undone: [] };
  }
}

/** Session-wide undo/redo (Ctrl+Z / Ctrl+Shift+Z) over every edit made in this window. */
export const useHistoryStore = defineStore('history', () => {
  const stored = loadStored();
  const done = ref<Command[]>(stored.done);
  const undone = ref<Command[]>(stored.undone);
  const busy = ref(false);
  const lastError = ref<string | null>(null);

  watch([done, undone], () => sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ done: done.value, undone: undone.value })), { deep: true });

  function record<P>(command: Command<P>): void {
    done.value = [...done.value.slice(-(LIMIT - 1)), command];
    undone.value = [];
  }

  /**
   * Edits still being saved: Ctrl+Z right after a key must undo that edit, not the one before it, so undo and redo
   * wait for them to be recorded first.
   */
  let inflight: Promise<unknown> = Promise.resolve();
  function during<T>(edit: Promise<T>): Promise<T> {
    inflight = Promise.all([inflight, edit.catch(() => undefined)]);
    return edit;
  }

  /** Undo and redo run one after another: Ctrl+Z pressed three times quickly undoes three edits, none is dropped. */
  let steps: Promise<unknown> = Promise.resolve();
  function queued(from: typeof done, to: typeof done, action: 'undo' | 'redo'): Promise<boolean> {
    const next = steps.then(() => run(from, to, action));
    steps = next;
    return next;
  }

  async function run(from: typeof done, to: typeof done, action: 'undo' | 'redo'): Promise<boolean> {
    await inflight;
    const command = from.value[from.value.length - 1];
    if (!command) return false;
    const handler = handlers.get(command.kind);
    busy.value = true;
    try {
      if (!handler) throw new Error(`no handler for ${command.kind}`);
      await handler[action](command.payload);
      from.value = from.value.slice(0, -1);
      to.value = [...to.value, command];
      lastError.value = null;
      return true;
    } catch (err) {
      lastError.value = `${action === 'undo' ? 'Undo' : 'Redo'} of "${command.label}" failed: ${err instanceof Error ? err.message : String(err)}`;
      return false;
    } finally {
      busy.value = false;
    }
  }

  return {
    done,
    undone,
    busy,
    lastError,
    canUndo: computed(() => done.value.length > 0),
    canRedo: computed(() => undone.value.length > 0),
    nextUndo: computed(() => done.value[done.value.length - 1]?.label ?? null),
    record,
    during,
    undo: () => queued(done, undone, 'undo'),
    redo: () => queued(undone, done, 'redo'),
  };
});
