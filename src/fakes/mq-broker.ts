// An at-least-once message broker (RabbitMQ-like, one queue per consumer). A publish is stored
// durably and confirmed to the publisher (publisher confirms); each message is delivered to its
// consumer and redelivered every `redeliverAfterMs` until the consumer acks it, up to
// `maxDeliveries`, then dead-lettered. Faults: the network may lose or duplicate publishes,
// deliveries and acks; the consumer may crash before it acks. The broker itself never crashes.

import type { Envelope, Message, Service, World } from '../kernel/index.ts';

interface Stored {
  readonly messageId: string;
  readonly to: string;
  readonly payload: Message;
  deliveries: number;
  timer?: number;
}

export interface MqOptions {
  readonly redeliverAfterMs: number;
  readonly maxDeliveries: number;
}

export class MqBroker implements Service {
  readonly address = 'mq';
  private readonly queue = new Map<string, Stored>();
  private published = 0;
  readonly deadLetters: string[] = [];

  constructor(
    private readonly world: World,
    private readonly options: MqOptions,
  ) {}

  start(): void {}
  crash(): void {}

  deliver(env: Envelope): void {
    const msg = env.msg as Message & Record<string, unknown>;
    if (msg.type === 'mq.publish') {
      const messageId = msg.messageId as string;
      // Like RabbitMQ, the broker does not deduplicate: a publisher that retries after a lost confirm
      // gets its message queued (and delivered) twice. Each copy is acked by its own delivery tag.
      this.published++;
      const stored: Stored = {
        messageId: `${messageId}#${this.published}`,
        to: msg.to as string,
        payload: msg.payload as Message,
        deliveries: 0,
      };
      this.queue.set(stored.messageId, stored);
      this.push(stored);
      this.world.send(
        this.address,
        env.from,
        {
          type: 'mq.confirm',
          messageId,
          orderId: (msg.payload as { orderId?: string }).orderId,
          // A publisher confirm answers the publish that asked (its channel's delivery tag).
          ...(msg.requestId === undefined ? {} : { requestId: msg.requestId }),
        },
        undefined,
        { replica: env.fromReplica },
      );
    } else if (msg.type === 'mq.ack') {
      const stored = this.queue.get(msg.messageId as string);
      if (stored === undefined) return;
      if (stored.timer !== undefined) this.world.clearTimer(stored.timer);
      this.queue.delete(stored.messageId);
    }
  }

  /** Messages neither acked nor dead-lettered: a non-empty list at quiescence is a stuck queue. */
  pending(): string[] {
    return [...this.queue.keys()];
  }

  private push(stored: Stored): void {
    stored.deliveries++;
    const ack = { to: this.address, msg: { type: 'mq.ack', messageId: stored.messageId } };
    this.world.send(this.address, stored.to, { ...stored.payload, ack });
    stored.timer = this.world.setTimer(this.address, this.options.redeliverAfterMs, () => {
      if (stored.deliveries >= this.options.maxDeliveries) {
        this.queue.delete(stored.messageId);
        this.deadLetters.push(stored.messageId);
        this.world.note(
          this.address,
          `dead-letters ${stored.messageId} after ${stored.deliveries} deliveries`,
          subjectOf(stored),
        );
        return;
      }
      this.world.note(
        this.address,
        `redelivers ${stored.messageId}: no ack within ${this.options.redeliverAfterMs / 1000} s`,
        subjectOf(stored),
      );
      this.push(stored);
    });
  }
}

function subjectOf(stored: Stored): string | undefined {
  return (stored.payload as { orderId?: string }).orderId;
}
