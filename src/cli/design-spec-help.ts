// How every command that takes --design describes it: one text, so the commands cannot drift apart.

export const designSpecHelp =
  'a design spec: a preset (naive, seed, hardened) or a JSON design file, then comma-separated changes: ' +
  '-payingLock (off), +outbox (on), provider=alipay, forwarding=direct, replicas=2, ' +
  'paymentCenter.writes=plain, timeoutQuery.afterMs=60000 (e.g. hardened,-payingLock,replicas=2)';
