import { defineStore } from 'pinia';
import { ref, watch } from 'vue';

export type View = 'library' | 'mining' | 'review';

const fromHash = (): View => (location.hash === '#mining' ? 'mining' : location.hash === '#review' ? 'review' : 'library');

/** Which workspace is shown; kept in the address hash so a reload stays where the annotator was. */
export const useNavigationStore = defineStore('navigation', () => {
  const view = ref<View>(fromHash());
  watch(view, (v) => history.replaceState(null, '', `${location.pathname}${location.search}#${v}`));
  window.addEventListener('hashchange', () => (view.value = fromHash()));
  return { view };
});
