/**
 * The connections a server has admitted (being authenticated, upgrading or open), counted in all
 * and by remote address against two limits. Invariant: every count is the number of admissions
 * not yet released, and no address is listed with a count of 0.
 */
export class Admission {
  readonly #byAddress = new Map<string, number>();
  #total = 0;

  constructor(
    /** The most connections admitted at once. */
    readonly maxTotal: number,
    /** The most connections admitted at once from one address. */
    readonly maxPerAddress: number,
  ) {}

  /**
   * Admits one more connection from `address` if both limits allow it; returns whether it did.
   * Each admission must be released once, by {@link release}.
   */
  admit(address: string): boolean {
    const here = this.#byAddress.get(address) ?? 0;
    if (this.#total >= this.maxTotal || here >= this.maxPerAddress) return false;
    this.#byAddress.set(address, here + 1);
    this.#total++;
    return true;
  }

  /** Releases one admission from `address`; throws if there is none (a release twice). */
  release(address: string): void {
    const here = this.#byAddress.get(address);
    if (here === undefined) throw new RangeError(`no connection admitted from ${address}`);
    if (here === 1) this.#byAddress.delete(address);
    else this.#byAddress.set(address, here - 1);
    this.#total--;
  }

  /** Connections admitted now, in all. */
  get total(): number {
    return this.#total;
  }

  /** Connections admitted now from `address`. */
  from(address: string): number {
    return this.#byAddress.get(address) ?? 0;
  }
}
