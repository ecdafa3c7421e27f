// How paysim names a service of the user's own in messages, from its world address.

/** `pc` → your payment center, `app` → your order service; any other address as it is. */
export function serviceName(address: string): string {
  return address === 'app' ? 'your order service' : address === 'pc' ? 'your payment center' : address;
}
