// What a `paymentCenter` or `businessApp` option must be: what the role adapter returns. A plain
// function (a factory left unwrapped) would otherwise fail deep in the run with a TypeError.

const makers = { paymentCenter: 'asyncPaymentCenter', businessApp: 'asyncBusinessApp' } as const;

/** Why `value` is not a factory for `field`, or undefined when it is one. */
export function factoryProblem(field: keyof typeof makers, value: unknown): string | undefined {
  const maker = makers[field];
  if (typeof value !== 'function') return `${field}: expected what ${maker}(…) returns, got ${typeof value}`;
  if ((value as { role?: string }).role !== field)
    return `${field}: expected what ${maker}(…) returns, got a plain function; wrap your factory: ${maker}((ports) => new YourService(ports))`;
  return undefined;
}
