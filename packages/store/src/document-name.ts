import { ValidationError } from '@nlbd/core';

/** The most UTF-8 bytes a document name may take. */
export const MAX_DOCUMENT_NAME_BYTES = 256;

// C0 controls, DEL and C1 controls: they make names ambiguous in logs, paths and terminals.
const CONTROL = /\p{Cc}/u;
// A lone surrogate has no UTF-8 form: stored as U+FFFD, two different names would become one.
const LONE_SURROGATE = /\p{Cs}/u;

const utf8 = new TextEncoder();

/**
 * Throws a `ValidationError` naming `path` unless `name` is a valid document name: a non-empty
 * string of at most {@link MAX_DOCUMENT_NAME_BYTES} UTF-8 bytes, with no control characters and
 * no lone surrogates. Every {@link StorageAdapter} checks names with it, so a name accepted by one
 * adapter is accepted by all and stored as exactly the same string.
 * @example assertDocumentName(request.doc, 'request.doc')
 */
export function assertDocumentName(name: unknown, path = 'doc'): asserts name is string {
  if (typeof name !== 'string') {
    throw new ValidationError(`document name must be a string, got ${typeof name}`, path);
  }
  if (name.length === 0) throw new ValidationError('document name must not be empty', path);
  if (CONTROL.test(name))
    throw new ValidationError('document name must not contain control characters', path);
  if (LONE_SURROGATE.test(name)) {
    throw new ValidationError('document name must not contain lone surrogates', path);
  }
  // Every UTF-16 unit takes at least one UTF-8 byte, so a long string fails before encoding.
  if (name.length > MAX_DOCUMENT_NAME_BYTES || utf8.encode(name).length > MAX_DOCUMENT_NAME_BYTES) {
    throw new ValidationError(`document name must be at most ${MAX_DOCUMENT_NAME_BYTES} UTF-8 bytes`, path);
  }
}
