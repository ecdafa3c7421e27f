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
  kind?: 'order' | 'payment',
): Fact | readonly Fact[] | undefined {
  if (facts === undefined) return undefined;
  for (const fact of Array.isArray(facts) ? facts : [facts as Fact]) {
    const problems = problemsOf(fact, kind);
    if (problems.length > 0)
      throw new ContractError(`${from} gave ${JSON.stringify(fact)}: ${problems.join('; ')}`);
  }
  return facts;
}

/** Every field that is wrong, so one message says all that needs fixing. */
function problemsOf(fact: Fact, kind: 'order' | 'payment' | undefined): string[] {
  if (typeof fact !== 'object' || fact === null) return ['expected a fact object'];
  if (fact.kind === 'shipment') return ['a shipment is recorded by warehouse.ship, not reported'];
  const allowed = statuses[fact.kind];
  if (allowed === undefined) return [`kind: expected "${kind ?? 'payment" or "order'}"`];
  if (kind !== undefined && fact.kind !== kind)
    return [`kind: expected "${kind}": this service states ${kind} facts, not ${fact.kind} facts`];
  const problems: string[] = [];
  if (typeof fact.orderId !== 'string')
    problems.push('orderId: expected the order id paysim gave you (a string)');
  if (!allowed.includes((fact as { status?: string }).status as string))
    problems.push(
      `status: expected one of ${allowed.join(', ')} (paysim's words; map your own in the projection or facts query)`,
    );
  if (fact.kind === 'order') {
    if (typeof fact.amount !== 'number')
      problems.push(
        'amount: expected the order amount (a number; cast a numeric or bigint column with ::integer)',
      );
    if (typeof fact.intentId !== 'string')
      problems.push('intentId: expected the intent id of the submission (a string)');
  }
  return problems;
}
