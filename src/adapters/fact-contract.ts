// The facts a service behind a port states are checked as they are recorded: a projection that
// misreads a row (a missing amount, a status in the service's own words) would otherwise become a
// verdict about the design. Such a mistake stops the check with a message saying what to fix.

import type { Fact } from '../domain/facts.ts';
import { ContractError } from './service-ports.ts';

const statuses: Record<string, readonly string[]> = {
  payment: ['paying', 'closing', 'paid', 'closed', 'exception'],
  order: ['created', 'closing', 'paid', 'closed', 'exception'],
};

export function checkFacts(
  facts: Fact | readonly Fact[] | undefined,
  from: string,
): Fact | readonly Fact[] | undefined {
  if (facts === undefined) return undefined;
  for (const fact of Array.isArray(facts) ? facts : [facts as Fact]) problem(fact, from);
  return facts;
}

function problem(fact: Fact, from: string): void {
  const fail = (what: string) => {
    throw new ContractError(`${from} gave ${JSON.stringify(fact)}: ${what}`);
  };
  if (typeof fact !== 'object' || fact === null) fail('expected a fact object');
  if (typeof fact.orderId !== 'string') fail('orderId: expected the order id paysim gave you (a string)');
  if (fact.kind === 'shipment') fail('a shipment is recorded by warehouse.ship, not reported');
  const allowed = statuses[fact.kind];
  if (allowed === undefined) fail('kind: expected "payment" or "order"');
  if (!allowed?.includes((fact as { status?: string }).status as string))
    fail(`status: expected one of ${allowed?.join(', ')} (paysim's words; map your own in the projection)`);
  if (fact.kind === 'order') {
    if (typeof fact.amount !== 'number') fail('amount: expected the order amount (a number)');
    if (typeof fact.intentId !== 'string')
      fail('intentId: expected the intent id of the submission (a string)');
  }
}
