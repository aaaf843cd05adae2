import type { Lesion, RecistAxes, SeriesDetail } from '@contract';
import { eventTarget, type Types } from '@cornerstonejs/core';
import { annotation, BidirectionalTool, Enums as ToolEnums } from '@cornerstonejs/tools';
import { onBeforeUnmount, type Ref, type ShallowRef } from 'vue';
import { lesionColour } from '../../lesions/lesion-colours';
import { bidirectionalPointsFromRecist, recistFromBidirectionalPoints, sameRecist, sliceGeometry } from '../measurement-converters';
import { imageIdOf } from './cornerstone';

type Annotation = ReturnType<typeof annotation.state.getAllAnnotations>[number];

export interface LesionAnnotationHandlers {
  created(sliceIndex: number, recist: RecistAxes): void;
  modified(lesion: Lesion, recist: RecistAxes): void;
}

function lesionIdOf(a: Annotation): number | null {
  const id = (a.metadata as { lesionId?: unknown } | undefined)?.lesionId;
  return typeof id === 'number' ? id : null;
}

function handlePoints(a: Annotation): number[][] {
  return (a.data.handles?.points ?? []) as number[][];
}

/**
 * Shows a series' lesions as cornerstone Bidirectional annotations (editable by dragging their handles) and
 * turns drawing and editing into RECIST measurements through the measurement converters.
 */
export function useLesionAnnotations(options: {
  viewportId: string;
  element: Ref<HTMLDivElement | null>;
  viewport: ShallowRef<Types.IStackViewport | null>;
  series: () => SeriesDetail;
  lesions: () => Lesion[];
  handlers: LesionAnnotationHandlers;
}) {
  const pending = new Map<number, Annotation>();

  const sliceIndexOfImage = (imageId: string | undefined) =>
    imageId ? options.series().sliceList.findIndex((s) => imageIdOf(s) === imageId) : -1;

  function ours(): Annotation[] {
    const el = options.element.value;
    // once the viewport is disabled (it is torn down first on unmount) the element has no annotations to ask for
    return el && options.viewport.value ? ((annotation.state.getAnnotations(BidirectionalTool.toolName, el) ?? []) as Annotation[]) : [];
  }

  /** Replaces the viewport's lesion annotations with the current lesions. */
  function sync(): void {
    const el = options.element.value;
    if (!el || !options.viewport.value) return;
    for (const a of ours()) if (a.annotationUID) annotation.state.removeAnnotation(a.annotationUID);
    const slices = options.series().sliceList;
    for (const lesion of options.lesions()) {
      const index = slices.findIndex((s) => s.instanceId === lesion.instanceId && s.frame === lesion.frame);
      if (index < 0) continue;
      const g = sliceGeometry(slices[index]!, index);
      const [a, b, c, d] = bidirectionalPointsFromRecist(lesion.recist, g) as [Types.Point3, Types.Point3, Types.Point3, Types.Point3];
      const uid = `lesion-${lesion.id}-v${lesion.version}`;
      BidirectionalTool.hydrate(options.viewportId, [[a, b], [c, d]], {
        referencedImageId: imageIdOf(slices[index]!),
        annotationUID: uid,
        lesionId: lesion.id,
      } as Parameters<typeof BidirectionalTool.hydrate>[2]);
      const colour = lesionColour(lesion);
      annotation.config.style.setAnnotationStyles(uid, { color: colour, colorHighlighted: colour, colorSelected: '#ffffff' });
    }
    options.viewport.value.render();
  }

  const onCompleted = (evt: Event) => {
    const a = (evt as CustomEvent<{ annotation: Annotation }>).detail.annotation;
    if (a.metadata?.toolName !== BidirectionalTool.toolName || lesionIdOf(a) !== null) return;
    const index = sliceIndexOfImage(a.metadata.referencedImageId);
    if (a.annotationUID) annotation.state.removeAnnotation(a.annotationUID); // it comes back as a lesion
    if (index < 0) return;
    const recist = recistFromBidirectionalPoints(handlePoints(a), sliceGeometry(options.series().sliceList[index]!, index));
    options.handlers.created(index, recist);
  };

  const onModified = (evt: Event) => {
    const a = (evt as CustomEvent<{ annotation: Annotation }>).detail.annotation;
    const id = lesionIdOf(a);
    if (id !== null && a.metadata?.toolName === BidirectionalTool.toolName) pending.set(id, a);
  };

  /** Handle drags end on mouse up: save what moved. */
  const onMouseUp = () => {
    setTimeout(() => {
      for (const [id, a] of pending) {
        const lesion = options.lesions().find((l) => l.id === id);
        const index = sliceIndexOfImage(a.metadata?.referencedImageId);
        if (!lesion || index < 0) continue;
        const recist = recistFromBidirectionalPoints(handlePoints(a), sliceGeometry(options.series().sliceList[index]!, index));
        if (!sameRecist(recist, lesion.recist)) options.handlers.modified(lesion, recist);
      }
      pending.clear();
    }, 0);
  };

  /** The lesion whose annotation is selected in the viewer (for Delete). */
  function selectedLesion(): Lesion | null {
    const selected = annotation.selection.getAnnotationsSelected() ?? [];
    for (const uid of selected) {
      const a = annotation.state.getAnnotation(uid) as Annotation | undefined;
      const id = a ? lesionIdOf(a) : null;
      const lesion = options.lesions().find((l) => l.id === id);
      if (lesion) return lesion;
    }
    return null;
  }

  eventTarget.addEventListener(ToolEnums.Events.ANNOTATION_COMPLETED, onCompleted);
  eventTarget.addEventListener(ToolEnums.Events.ANNOTATION_MODIFIED, onModified);
  window.addEventListener('mouseup', onMouseUp);
  onBeforeUnmount(() => {
    eventTarget.removeEventListener(ToolEnums.Events.ANNOTATION_COMPLETED, onCompleted);
    eventTarget.removeEventListener(ToolEnums.Events.ANNOTATION_MODIFIED, onModified);
    window.removeEventListener('mouseup', onMouseUp);
    // the viewport may already be disabled: find our lesion annotations in the global state instead of by element
    const all = (annotation.state.getAllAnnotations() ?? []) as Annotation[];
    for (const a of all) if (a.annotationUID?.startsWith('lesion-')) annotation.state.removeAnnotation(a.annotationUID);
  });

  return { sync, selectedLesion };
}
