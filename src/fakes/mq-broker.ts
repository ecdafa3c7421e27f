// An at-least-once message broker, as RabbitMQ behaves (one queue per consumer). A publish is stored
// durably and confirmed to the publisher (publisher confirms); each message is delivered to its
// consumer and stays unacked until the consumer acks it. RabbitMQ does not redeliver to a live
// consumer on a timer: it requeues a channel's unacked messages when the channel closes, that is
// when the consumer process dies (redelivered to another instance at once, or to the same one when
// it restarts), or when the consumer holds a delivery past `consumer_timeout` (30 minutes by
// default), which closes the channel. After `maxDeliveries` a message is dead-lettered. Faults: the
// network may lose or duplicate publishes and confirms; a delivery or an ack is lost only with its
// connection (`mq.lost`: AMQP runs over TCP), which closes the channel, so the broker requeues the
// message once the consumer has reconnected; the consumer may crash before it
// acks; the broker may crash (`mq.crash`, at any of its sends): a publish it had not confirmed yet is
// lost (not yet on disk), while it is down publishes and acks are refused, and when it restarts every
// stored message is requeued under a new delivery tag, so an ack for a delivery from before the
// crash acks nothing and the message comes again. It does not deduplicate publishes.

import { copyOf } from '../kernel/copy.ts';
import type { Envelope, Message, Service, World } from '../kernel/index.ts';

interface Stored {
  /** The delivery tag: what an ack names. A restart gives every stored message a new one. */
  messageId: string;
  readonly to: string;
  readonly payload: Message;
  deliveries: number;
  timer?: number;
}

export interface MqOptions {
  /** RabbitMQ's `consumer_timeout`: an unacked delivery held this long closes the channel. */
  readonly consumerTimeoutMs: number;
  readonly maxDeliveries: number;
  /** Whether a consumer's connection may drop (`mq.lost`), losing a delivery or an ack in flight. */
  readonly connectionsDrop: boolean;
  /** How long a consumer takes to reconnect after its connection dropped. */
  readonly reconnectMs: number;
}

export class MqBroker implements Service {
  readonly address = 'mq';
  private readonly queue = new Map<string, Stored>();
  /** Consumers with no instance up since a crash: their requeued messages wait for a restart. */
  private readonly consumersDown = new Set<string>();
  private published = 0;
  private restarts = 0;
  private crashed = false;
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

  /** A restart after a crash: every stored message is requeued under a new delivery tag. */
  start(): void {
    if (!this.crashed) return;
    this.crashed = false;
    this.restarts++;
    const stored = [...this.queue.values()];
    this.queue.clear();
    for (const message of stored) {
      message.messageId = `${message.messageId.split('@')[0]}@${this.restarts}`;
      if (message.timer !== undefined) this.world.clearTimer(message.timer);
      message.timer = undefined;
      this.queue.set(message.messageId, message);
    }
    if (stored.length > 0)
      this.world.note(
        this.address,
        `restarts and requeues ${stored.length} stored message(s) under new delivery tags`,
      );
    for (const message of stored) this.redeliver(message);
  }

  /** The broker died: its timers are gone; what it stored on disk waits for the restart. */
  crash(): void {
    this.crashed = true;
  }

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
      const confirmed = this.world.send(
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
      // Died before confirming: the message never reached the disk.
      if (!confirmed) {
        this.queue.delete(stored.messageId);
        this.world.note(
          this.address,
          `loses the publish of ${stored.payload.type} to ${stored.to}: it died before confirming it, so it never reached the disk`,
          subjectOf(stored),
        );
        return;
      }
      this.push(stored);
    } else if (msg.type === 'mq.nack') {
      // The consumer rejected it (its handler failed): requeued and delivered again at once.
      const stored = this.queue.get(msg.messageId as string);
      if (stored === undefined) return;
      this.world.note(
        this.address,
        `requeues ${stored.messageId}: the consumer rejected it (nack)`,
        subjectOf(stored),
      );
      this.redeliver(stored);
    } else if (msg.type === 'mq.ack') {
      const stored = this.queue.get(msg.messageId as string);
      if (stored === undefined) return;
      if (this.connectionDrops(stored, 'the ack')) return;
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

  /**
   * The consumer's connection drops with `what` in flight (`mq.lost`): it is lost, the channel
   * closes, and the message is requeued when the consumer has reconnected.
   */
  private connectionDrops(stored: Stored, what: string): boolean {
    if (!this.options.connectionsDrop || this.world.choose('mq.lost', 2) === 0) return false;
    this.world.recordFault(
      'mq.lost',
      `the consumer's connection drops with ${what} of ${stored.messageId} in flight: it is lost, and the channel closes`,
      undefined,
      subjectOf(stored),
    );
    if (stored.timer !== undefined) this.world.clearTimer(stored.timer);
    stored.timer = this.world.setTimer(this.address, this.options.reconnectMs, () => {
      if (this.queue.get(stored.messageId) !== stored) return;
      this.world.note(
        this.address,
        `requeues ${stored.messageId}: the consumer reconnected after its channel closed`,
        subjectOf(stored),
      );
      this.redeliver(stored);
    });
    return true;
  }

  private push(stored: Stored): void {
    stored.deliveries++;
    if (this.connectionDrops(stored, 'the delivery')) return;
    const ack = { to: this.address, msg: { type: 'mq.ack', messageId: stored.messageId } };
    // The broker died at this send: the message waits on disk for its restart.
    const delivered = copyOf(stored.payload);
    delivered.ack = ack;
    if (!this.world.send(this.address, stored.to, delivered)) return;
    stored.timer = this.world.setTimer(this.address, this.options.consumerTimeoutMs, () => {
      if (this.queue.get(stored.messageId) !== stored) return;
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
