// No real network during a check. msw answers `fetch` and `node:http`, but a client that opens its
// own sockets reaches past it: undici's `request` (urllib, and so alipay-sdk's `exec`), a raw
// `net.connect`, a driver pointed at another host. While a run is open, every socket connect to
// anything but loopback is refused before any DNS lookup, and the first one refused fails the run
// with its address. Loopback stays open: a PostgreSQL server on this machine is allowed.

import net from 'node:net';

type Connect = typeof net.Socket.prototype.connect;

const loopback = /^(localhost|127(\.\d{1,3}){3}|::1|::ffff:127(\.\d{1,3}){3})$/i;

/** Where a `socket.connect(…)` call goes; undefined for a local (unix) socket. */
function targetOf(args: unknown[]): { host: string; port: string } | undefined {
  // net.connect passes its normalized arguments as one array: [options, callback].
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first)))
    return { host: typeof args[1] === 'string' ? args[1] : 'localhost', port: String(first) };
  if (typeof first === 'string') return undefined; // a path: a unix socket
  const options = first as { host?: string; port?: number | string; path?: string } | undefined;
  if (options === undefined || options.path !== undefined) return undefined;
  return { host: options.host ?? 'localhost', port: String(options.port ?? '') };
}

export class NetworkGuard {
  private original: Connect | undefined;
  /** The first connection refused since install: `host:port`. */
  refused: string | undefined;

  install(): void {
    if (this.original !== undefined) return;
    const original = net.Socket.prototype.connect;
    this.original = original;
    this.refused = undefined;
    const guard = this;
    net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
      const target = targetOf(args);
      if (target === undefined || loopback.test(target.host.replace(/^\[|\]$/g, '')))
        return (original as (...a: unknown[]) => net.Socket).apply(this, args);
      const address = `${target.host}:${target.port}`;
      guard.refused ??= address;
      process.nextTick(() =>
        this.destroy(
          new Error(`paysim refused a connection to ${address}: a check makes no real network call`),
        ),
      );
      return this;
    } as Connect;
  }

  uninstall(): void {
    if (this.original === undefined) return;
    net.Socket.prototype.connect = this.original;
    this.original = undefined;
  }
}
