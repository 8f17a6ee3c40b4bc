import type { EventChannel } from '../../shared/ipc/channels';
import { eventContract, type EventPayloadOf } from '../../shared/ipc/contract';

/** A listener that receives every event of the contract (a transport forwards them to its windows). */
export type EventSink = (channel: EventChannel, payload: unknown) => void;

/**
 * Fan-out of main -> renderer events. Services emit here; the Electron transport forwards to its windows and
 * the serve transport to its event streams. Payloads are validated against the contract before they leave.
 */
export class EventHub {
  private readonly sinks = new Set<EventSink>();

  /** Registers a sink; returns a function that removes it. */
  connect(sink: EventSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  /** Validates and sends an event to every connected sink. */
  emit<C extends EventChannel>(channel: C, payload: EventPayloadOf<C>): void {
    const parsed = eventContract[channel].payload.parse(payload);
    for (const sink of this.sinks) sink(channel, parsed);
  }

  /** How many sinks are connected (windows or streams). */
  get size(): number {
    return this.sinks.size;
  }
}
