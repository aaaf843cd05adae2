import { defineStore } from 'pinia';
import { ref } from 'vue';

/** Lesions handed to the export dialog by another workspace (the review gallery or its selection). */
export interface ExportPreset {
  label: string;
  lesionIds: number[];
}

/** Whether the export dialog is open, and with which lesions offered. */
export const useExportDialogStore = defineStore('export-dialog', () => {
  const open = ref(false);
  const presets = ref<ExportPreset[]>([]);

  function show(offered: ExportPreset[] = []): void {
    presets.value = offered.filter((p) => p.lesionIds.length > 0);
    open.value = true;
  }

  function close(): void {
    open.value = false;
  }

  return { open, presets, show, close };
});
