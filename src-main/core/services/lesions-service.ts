import { randomUUID } from 'node:crypto';
import type { LesionsApi } from '../../contract';
import type { Catalogue } from '../catalogue/catalogue';
import type { EventBus } from '../events';
import { NotFoundError } from './catalogue-service';

export function lesionsService(catalogue: Catalogue, events: EventBus): LesionsApi {
  const changed = (lesionIds: number[], seriesIds: (number | null)[]) =>
    events.emit('lesions.changed', { lesionIds, seriesIds: seriesIds.filter((s): s is number => s !== null) });

  return {
    async list(query) {
      return catalogue.lesions.list(query);
    },
    async get(lesionId) {
      return catalogue.lesions.get(lesionId);
    },
    async forSeries(seriesId) {
      return catalogue.lesions.forSeries(seriesId);
    },
    async create({ instanceId, frame, recist, actor }) {
      const instance = catalogue.instances.get(instanceId);
      if (!instance) throw new NotFoundError(`no instance ${instanceId}`);
      if (frame >= instance.frames) throw new NotFoundError(`instance ${instanceId} has no frame ${frame}`);
      const lesion = catalogue.transaction(() =>
        catalogue.lesions.create(
          {
            seriesId: instance.seriesRowId,
            instanceId,
            frame,
            keySliceRef: instance.sopInstanceUid,
            recist,
            spacing: instance.pixelSpacing,
            source: 'annotator',
            sourceRef: randomUUID(),
            referenceType: null,
            split: null,
            noisy: false,
            attributes: {},
          },
          actor,
        ),
      );
      changed([lesion.id], [lesion.seriesId]);
      return lesion;
    },
    async update({ lesionId, version, recist, actor }) {
      const lesion = catalogue.transaction(() => catalogue.lesions.updateRecist(lesionId, version, recist, actor));
      changed([lesion.id], [lesion.seriesId]);
      return lesion;
    },
    async remove({ lesionId, version, actor }) {
      const lesion = catalogue.transaction(() => catalogue.lesions.remove(lesionId, version, actor));
      changed([lesion.id], [lesion.seriesId]);
    },
    async restore({ lesionId, actor }) {
      const lesion = catalogue.transaction(() => catalogue.lesions.restore(lesionId, actor));
      changed([lesion.id], [lesion.seriesId]);
      return lesion;
    },
    async history(lesionId) {
      return catalogue.audit.forEntity('lesion', lesionId);
    },
  };
}
