import { DecodeError, MismatchError, NlbdError, OverflowError, ValidationError } from '@nlbd/core';
import { describe, expect, it } from 'vitest';

describe('typed errors', () => {
  const cases = [
    [ValidationError, 'validation'],
    [OverflowError, 'overflow'],
    [DecodeError, 'decode'],
    [MismatchError, 'mismatch'],
  ] as const;

  it.each(cases)('%o has a stable code, its own name, and is an NlbdError', (ErrorClass, code) => {
    const error = new ErrorClass('went wrong', 'entries[3].replica');
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toBeInstanceOf(NlbdError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe(code);
    expect(error.name).toBe(ErrorClass.name);
    expect(error.path).toBe('entries[3].replica');
  });

  it('puts the path in front of the message', () => {
    expect(new ValidationError('must not be empty', 'message.replica').message).toBe(
      'message.replica: must not be empty',
    );
  });

  it('leaves the message alone when there is no path', () => {
    const error = new OverflowError('too big');
    expect(error.message).toBe('too big');
    expect(error.path).toBe('');
  });

  it('lets a caller subclass NlbdError with its own code', () => {
    class TimeoutError extends NlbdError {
      constructor(message: string) {
        super('timeout', message);
      }
    }
    const error = new TimeoutError('no answer');
    expect(error.name).toBe('TimeoutError');
    expect(error.code).toBe('timeout');
    expect(error).toBeInstanceOf(NlbdError);
  });
});
