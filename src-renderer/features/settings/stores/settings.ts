import { defineStore } from 'pinia';
import { ref, watch } from 'vue';

const ANNOTATOR_KEY = 'lesion-ws.annotator';

/** Per-user settings of this workstation, kept in the browser profile. */
export const useSettingsStore = defineStore('settings', () => {
  /** Recorded with every change in the audit trail; asked once. */
  const annotator = ref<string>(localStorage.getItem(ANNOTATOR_KEY) ?? '');
  const askingForAnnotator = ref(false);
  let waiting: ((name: string | null) => void)[] = [];

  watch(annotator, (name) => localStorage.setItem(ANNOTATOR_KEY, name));

  /** The annotator's name, asking for it first if it was never given; null when the user declines. */
  function requireAnnotator(): Promise<string | null> {
    if (annotator.value.trim()) return Promise.resolve(annotator.value.trim());
    askingForAnnotator.value = true;
    return new Promise((resolve) => waiting.push(resolve));
  }

  function answerAnnotator(name: string | null): void {
    askingForAnnotator.value = false;
    if (name?.trim()) annotator.value = name.trim();
    for (const resolve of waiting) resolve(name?.trim() || null);
    waiting = [];
  }

  return { annotator, askingForAnnotator, requireAnnotator, answerAnnotator };
});
