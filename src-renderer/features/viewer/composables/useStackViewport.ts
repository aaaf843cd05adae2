import type { SeriesDetail } from '@contract';
import { Enums, getRenderingEngine, RenderingEngine, type Types } from '@cornerstonejs/core';
import { BidirectionalTool, Enums as ToolEnums, PanTool, StackScrollTool, ToolGroupManager, WindowLevelTool, ZoomTool } from '@cornerstonejs/tools';
import { onBeforeUnmount, ref, shallowRef, type Ref } from 'vue';
import { voiFromWindow, windowFromVoi } from '../window-presets';
import { initCornerstone, registerSeriesSlices, valueAtCanvasPoint } from './cornerstone';

const ENGINE_ID = 'lw-engine';
let nextViewport = 1;

export type ViewportStatus = 'idle' | 'loading' | 'done' | 'error';
/** What a primary-button drag does: window/level, or draw a RECIST measurement. */
export type ToolMode = 'window' | 'measure';

/**
 * One cornerstone stack viewport bound to an element: shows a series, scrolls, windows, and reports the
 * slice, the window and the value under the cursor back as refs.
 */
export function useStackViewport(element: Ref<HTMLDivElement | null>) {
  const viewportId = `lw-stack-${nextViewport++}`;
  const toolGroupId = `${viewportId}-tools`;
  const viewport = shallowRef<Types.IStackViewport | null>(null);
  const status = ref<ViewportStatus>('idle');
  const error = ref<string | null>(null);
  const sliceIndex = ref(0);
  const sliceCount = ref(0);
  const window = ref<{ center: number; width: number } | null>(null);
  const cursor = ref<{ value: number; i: number; j: number } | null>(null);
  const mode = ref<ToolMode>('window');
  /** Bumped on every render, so overlays drawn outside cornerstone can follow zoom and pan. */
  const renderCount = ref(0);

  const onVoi = (evt: Event) => {
    const range = (evt as CustomEvent<{ range: { lower: number; upper: number } }>).detail.range;
    window.value = windowFromVoi(range);
  };
  const onNewImage = (evt: Event) => {
    sliceIndex.value = (evt as CustomEvent<{ imageIdIndex: number }>).detail.imageIdIndex;
  };
  const onLoadError = (evt: Event) => {
    const detail = (evt as CustomEvent<{ error?: { message?: string } }>).detail;
    error.value = detail.error?.message ?? 'the slice could not be loaded';
  };
  const onMove = (evt: MouseEvent) => {
    const el = element.value;
    if (!viewport.value || !el) return;
    const rect = el.getBoundingClientRect();
    cursor.value = valueAtCanvasPoint(viewport.value, [evt.clientX - rect.left, evt.clientY - rect.top]);
  };
  const onLeave = () => {
    cursor.value = null;
  };
  const onRendered = () => {
    renderCount.value++;
  };

  function ensureViewport(): Types.IStackViewport {
    if (viewport.value) return viewport.value;
    const el = element.value;
    if (!el) throw new Error('viewer element not mounted');
    initCornerstone();
    const engine = (getRenderingEngine(ENGINE_ID) as RenderingEngine | undefined) ?? new RenderingEngine(ENGINE_ID);
    engine.enableElement({ viewportId, type: Enums.ViewportType.STACK, element: el, defaultOptions: { background: [0, 0, 0] as Types.Point3 } });
    const vp = engine.getViewport(viewportId) as Types.IStackViewport;
    const tools = ToolGroupManager.createToolGroup(toolGroupId)!;
    for (const tool of [WindowLevelTool, StackScrollTool, PanTool, ZoomTool, BidirectionalTool]) tools.addTool(tool.toolName);
    tools.addViewport(viewportId, ENGINE_ID);
    const { MouseBindings } = ToolEnums;
    tools.setToolActive(WindowLevelTool.toolName, { bindings: [{ mouseButton: MouseBindings.Primary }] });
    tools.setToolActive(StackScrollTool.toolName, { bindings: [{ mouseButton: MouseBindings.Wheel }] });
    tools.setToolActive(PanTool.toolName, { bindings: [{ mouseButton: MouseBindings.Auxiliary }] });
    tools.setToolActive(ZoomTool.toolName, { bindings: [{ mouseButton: MouseBindings.Secondary }] });
    // passive: existing measurements can be edited by their handles in either mode
    tools.setToolPassive(BidirectionalTool.toolName);
    el.addEventListener(Enums.Events.VOI_MODIFIED, onVoi);
    el.addEventListener(Enums.Events.STACK_NEW_IMAGE, onNewImage);
    el.addEventListener(Enums.Events.IMAGE_LOAD_ERROR, onLoadError);
    el.addEventListener('mousemove', onMove);
    el.addEventListener('mouseleave', onLeave);
    el.addEventListener(Enums.Events.IMAGE_RENDERED, onRendered);
    el.addEventListener('contextmenu', (e) => e.preventDefault());
    viewport.value = vp;
    return vp;
  }

  async function show(series: SeriesDetail, startIndex: number, initial: { center: number; width: number } | null): Promise<void> {
    status.value = 'loading';
    error.value = null;
    try {
      const vp = ensureViewport();
      const imageIds = registerSeriesSlices(series.sliceList, series.modality, series.seriesInstanceUid);
      sliceCount.value = imageIds.length;
      await vp.setStack(imageIds, Math.min(Math.max(0, startIndex), imageIds.length - 1));
      if (initial) setWindow(initial.center, initial.width);
      vp.resetCamera();
      vp.render();
      sliceIndex.value = vp.getCurrentImageIdIndex();
      status.value = 'done';
    } catch (err) {
      status.value = 'error';
      error.value = err instanceof Error ? err.message : String(err);
    }
  }

  function setWindow(center: number, width: number): void {
    const vp = viewport.value;
    if (!vp) return;
    vp.setProperties({ voiRange: voiFromWindow(center, width) });
    vp.render();
    window.value = { center, width };
  }

  async function scrollBy(delta: number): Promise<void> {
    const vp = viewport.value;
    if (!vp || !sliceCount.value) return;
    const target = Math.min(sliceCount.value - 1, Math.max(0, vp.getCurrentImageIdIndex() + delta));
    await vp.setImageIdIndex(target);
    sliceIndex.value = target;
  }

  function setMode(next: ToolMode): void {
    const tools = ToolGroupManager.getToolGroup(toolGroupId);
    if (!tools) return;
    const primary = [{ mouseButton: ToolEnums.MouseBindings.Primary }];
    if (next === 'measure') {
      tools.setToolPassive(WindowLevelTool.toolName);
      tools.setToolActive(BidirectionalTool.toolName, { bindings: primary });
    } else {
      tools.setToolPassive(BidirectionalTool.toolName);
      tools.setToolActive(WindowLevelTool.toolName, { bindings: primary });
    }
    mode.value = next;
  }

  async function goTo(index: number): Promise<void> {
    const vp = viewport.value;
    if (!vp || index < 0 || index >= sliceCount.value) return;
    await vp.setImageIdIndex(index);
    sliceIndex.value = index;
  }

  function resetView(): void {
    viewport.value?.resetCamera();
    viewport.value?.render();
  }

  function resize(): void {
    getRenderingEngine(ENGINE_ID)?.resize(true, true);
  }

  onBeforeUnmount(() => {
    const el = element.value;
    if (el) {
      el.removeEventListener(Enums.Events.VOI_MODIFIED, onVoi);
      el.removeEventListener(Enums.Events.STACK_NEW_IMAGE, onNewImage);
      el.removeEventListener(Enums.Events.IMAGE_LOAD_ERROR, onLoadError);
      el.removeEventListener('mousemove', onMove);
      el.removeEventListener('mouseleave', onLeave);
      el.removeEventListener(Enums.Events.IMAGE_RENDERED, onRendered);
    }
    ToolGroupManager.destroyToolGroup(toolGroupId);
    getRenderingEngine(ENGINE_ID)?.disableElement(viewportId);
    viewport.value = null;
  });

  return {
    viewportId,
    viewport,
    status,
    error,
    sliceIndex,
    sliceCount,
    window,
    cursor,
    mode,
    renderCount,
    show,
    setWindow,
    scrollBy,
    goTo,
    setMode,
    resetView,
    resize,
  };
}
