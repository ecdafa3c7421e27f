// What a run can honour, so the CLI and the library refuse a request a search would silently shrink.

/**
 * The most concurrent orders a generated world ever has. `workloadArbitrary` leaves fast-check's
 * default size ("small"), which caps a generated array at 2 × minLength + 10 = 12 elements (minLength
 * is 1) whatever its maxLength says; `test/cli/limits.test.ts` keeps this figure true.
 */
export const maxOrdersHonoured = 12;
