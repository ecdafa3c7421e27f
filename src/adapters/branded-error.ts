// Errors that `instanceof` recognises across copies of paysim loaded in one process: the CLI runs
// paysim's sources while a user's config imports the installed package, so an error thrown by one
// copy is caught by code holding the other's class. The check reads a brand registered under a
// global symbol, not the prototype chain.

/** An Error class whose `instanceof` holds for any copy's instances of the same name. */
export interface BrandedErrorClass {
  new (message?: string): Error;
  [Symbol.hasInstance](value: unknown): boolean;
}

export function brandedError(name: string): BrandedErrorClass {
  const brand = Symbol.for(`paysim.error.${name}`);
  return class extends Error {
    constructor(message?: string) {
      super(message);
      this.name = name;
      Object.defineProperty(this, brand, { value: true });
    }

    static override [Symbol.hasInstance](value: unknown): boolean {
      return (
        typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true
      );
    }
  };
}
