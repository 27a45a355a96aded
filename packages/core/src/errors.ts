/**
 * The base of every error nlbd throws on purpose. `code` is stable and machine-readable; `path`
 * says where in the input the problem was (e.g. `entries[3].replica`), or is empty.
 *
 * Invariant: nlbd never throws a bare `Error` for bad input; catch `NlbdError` to catch them all.
 */
export class NlbdError extends Error {
  /** A stable machine-readable code, e.g. `'validation'`, `'overflow'`, `'decode'`. */
  readonly code: string;
  /** Where in the input the problem was, as a dotted path; empty when it concerns the whole input. */
  readonly path: string;

  constructor(code: string, message: string, path = '') {
    super(path ? `${path}: ${message}` : message);
    this.name = new.target.name;
    this.code = code;
    this.path = path;
  }
}

/**
 * Outside input (a replica id, a timestamp, a key, an argument) broke a documented rule.
 * A function that throws it has changed nothing.
 */
export class ValidationError extends NlbdError {
  constructor(message: string, path = '') {
    super('validation', message, path);
  }
}

/**
 * An integer would leave the exactly representable range (`Number.MAX_SAFE_INTEGER`). nlbd
 * refuses instead of wrapping or rounding; the state is unchanged.
 */
export class OverflowError extends NlbdError {
  constructor(message: string, path = '') {
    super('overflow', message, path);
  }
}

/**
 * Bytes could not be decoded: truncated, malformed, over a limit, or of an unknown version or
 * type. A failed decode changes no state.
 */
export class DecodeError extends NlbdError {
  constructor(message: string, path = '') {
    super('decode', message, path);
  }
}

/** Two states or arguments that must belong together do not (e.g. different CRDT types). */
export class MismatchError extends NlbdError {
  constructor(message: string, path = '') {
    super('mismatch', message, path);
  }
}
