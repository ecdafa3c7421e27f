// A Redis-like key store with TTLs on the virtual clock: GET, SET (with NX and an expiry), DEL.
// Each command is atomic, as in Redis; a race can only appear between commands, which is exactly
// the gap in a GET-then-SET duplicate check. Commands and replies may be lost or slow on the way
// (`redis.lost`, `redis.slow`), never inside Redis.

import type { Envelope, Service, World } from '../kernel/index.ts';

interface Entry {
  readonly value: string;
  readonly expiresAtMs: number;
}

type Command =
  | { type: 'redis.get'; key: string; replyKey: string }
  | { type: 'redis.set'; key: string; value: string; nx?: boolean; ttlMs?: number; replyKey: string }
  | { type: 'redis.del'; key: string; replyKey: string };

export class RedisStore implements Service {
  readonly address = 'redis';
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly world: World) {}

  start(): void {}
  crash(): void {}

  deliver(env: Envelope): void {
    const cmd = env.msg as Command;
    const now = this.world.nowMs;
    let value: string | null = null;
    if (cmd.type === 'redis.get') value = this.live(cmd.key, now)?.value ?? null;
    else if (cmd.type === 'redis.del') this.entries.delete(cmd.key);
    else if (!cmd.nx || this.live(cmd.key, now) === undefined) {
      this.entries.set(cmd.key, {
        value: cmd.value,
        expiresAtMs: cmd.ttlMs === undefined ? Infinity : now + cmd.ttlMs,
      });
      value = 'OK';
    }
    // A reply answers its command, as over the client's connection: it carries the request id.
    const requestId = (env.msg as { requestId?: number }).requestId;
    this.world.send(this.address, env.from, {
      type: 'redis.reply',
      orderId: cmd.replyKey,
      value,
      ...(requestId === undefined ? {} : { requestId }),
    });
  }

  private live(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    return entry !== undefined && entry.expiresAtMs > now ? entry : undefined;
  }

  /** Keys still holding at the end, with their expiry (Infinity: never). */
  liveKeys(): Array<{ key: string; expiresAtMs: number }> {
    return [...this.entries]
      .filter(([, e]) => e.expiresAtMs > this.world.nowMs)
      .map(([key, e]) => ({ key, expiresAtMs: e.expiresAtMs }));
  }
}
