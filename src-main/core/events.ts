import type { WorkstationEventName, WorkstationEvents } from '../contract';

export type EventListener = <E extends WorkstationEventName>(name: E, payload: WorkstationEvents[E]) => void;

/** Fans core events out to every connected window (IPC, WebSocket) and to in-process listeners. */
export class EventBus {
  private readonly listeners = new Set<EventListener>();

  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit<E extends WorkstationEventName>(name: E, payload: WorkstationEvents[E]): void {
    for (const listener of this.listeners) {
      try {
        listener(name, payload);
      } catch {
        // a broken listener (a closed window) must not stop the others
      }
    }
  }
}
