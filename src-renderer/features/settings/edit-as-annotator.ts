import type { Ref } from 'vue';
import { ApiError } from '../../api';
import { useHistoryStore } from '../history/stores/history';
import { useSettingsStore } from './stores/settings';

/**
 * Runs an edit in the annotator's name (asking for the name once). Null when the name is declined or the edit
 * failed; the failure's message goes to `error` (a conflict is phrased with `conflict`, when given).
 */
export function editAsAnnotator<T>(error: Ref<string | null>, work: (actor: string) => Promise<T>, conflict?: (message: string) => string): Promise<T | null> {
  // undo waits for the edit (and its history entry, recorded by the caller right after) before it acts
  return useHistoryStore().during(edit(error, work, conflict));
}

async function edit<T>(error: Ref<string | null>, work: (actor: string) => Promise<T>, conflict?: (message: string) => string): Promise<T | null> {
  const actor = await useSettingsStore().requireAnnotator();
  if (!actor) return null;
  try {
    error.value = null;
    return await work(actor);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    error.value = err instanceof ApiError && err.code === 'conflict' && conflict ? conflict(message) : message;
    return null;
  }
}
