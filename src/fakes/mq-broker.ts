// An at-least-once message broker, as RabbitMQ behaves (one queue per consumer). A publish is stored
// durably and confirmed to the publisher (publisher confirms); each message is delivered to its
// consumer and stays unacked until the consumer acks it. RabbitMQ does not redeliver to a live
// consumer on a timer: it requeues a channel's unacked messages when the channel closes, that is
// when the consumer process dies (redelivered to another instance at once, or to the same one when
// it restarts), or when the consumer holds a delivery past `consumer_timeout` (30 minutes by
// default), which closes the channel. After `maxDeliveries` a message is dead-lettered. Faults: the
// network may lose or duplicate publishes, deliveries and acks; the consumer may crash before it
// acks. The broker itself never crashes, and it does not deduplicate publishes.

import type { Envelope, Message, Service, World } from '../kernel/index.ts';

interface Stored {
  readonly messageId: string;
  readonly to: string;
  readonly payload: Message;
  deliveries: number;
  timer?: number;
}

export interface MqOptions {
  /** RabbitMQ's `consumer_timeout`: an unacked delivery held this long closes the channel. */
  readonly consumerTimeoutMs: number;
  readonly maxDeliveries: number;
}

export class MqBroker implements Service {
  readonly address = 'mq';
  private readonly queue = new Map<string, Stored>();
  /** Consumers with no instance up since a crash: their requeued messages wait for a restart. */
  private readonly consumersDown = new Set<string>();
  private published = 0;
  readonly deadLetters: string[] = [];

  constructor(
    private readonly world: World,
    private readonly options: MqOptions,
  ) {
    world.onCrash((owner) => {
      if (world.anyUp(owner)) this.requeue(owner);
      else this.consumersDown.add(owner);
    });
    world.onRestart((owner) => {
      if (this.consumersDown.delete(owner)) this.requeue(owner);
    });
  }

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

  /**
   * A consumer's process died: its channel closed, so its unacked deliveries are requeued, to
   * another instance at once, or to the consumer when it restarts.
   */
  private requeue(owner: string): void {
    for (const stored of [...this.queue.values()]) {
      if (stored.to !== owner) continue;
      this.world.note(
        this.address,
        `requeues ${stored.messageId}: the consumer's channel closed`,
        subjectOf(stored),
      );
      this.redeliver(stored);
    }
  }

  private redeliver(stored: Stored): void {
    if (stored.timer !== undefined) this.world.clearTimer(stored.timer);
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
    this.push(stored);
  }

  private push(stored: Stored): void {
    stored.deliveries++;
    const ack = { to: this.address, msg: { type: 'mq.ack', messageId: stored.messageId } };
    this.world.send(this.address, stored.to, { ...stored.payload, ack });
    stored.timer = this.world.setTimer(this.address, this.options.consumerTimeoutMs, () => {
      this.world.note(
        this.address,
        `requeues ${stored.messageId}: unacked for ${this.options.consumerTimeoutMs / 60_000} min, past the consumer timeout`,
        subjectOf(stored),
      );
      this.redeliver(stored);
    });
  }
}

function subjectOf(stored: Stored): string | undefined {
  return (stored.payload as { orderId?: string }).orderId;
}
