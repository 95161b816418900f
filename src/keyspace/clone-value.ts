/**
 * Deep copies of values, for COPY (and later RESTORE-like paths). A copy must never share
 * mutable structure with its source: writing to one key must not change another.
 *
 * Strings are immutable JS strings, so the copy is a new wrapper. Other types register
 * here as they land (data-types issue): until then copying one is an internal error rather
 * than a silent alias.
 */
import type { StringValue, Value } from './value-types.js';

/**
 * A string copied by COPY. Redis duplicates an integer-encoded value into a private object
 * (dupStringObject), so OBJECT REFCOUNT of the copy is 1 even for small integers that the
 * source shares with every other key.
 */
export interface CopiedStringValue extends StringValue {
  unshared?: true;
}

export function cloneValue(v: Value): Value {
  switch (v.type) {
    case 'string': {
      const copy: CopiedStringValue = { type: 'string', value: v.value, raw: v.raw, unshared: true };
      if (v.notInt === true) copy.notInt = true;
      return copy;
    }
    case 'hash':
      return { type: 'hash', value: v.value.clone() };
    case 'set':
      return { type: 'set', value: v.value.clone() };
    case 'stream':
      return { type: 'stream', value: v.value.clone() };
    case 'zset':
      return { type: 'zset', value: v.value.clone() };
    case 'list':
      return { type: 'list', value: v.value.clone() };
    default: {
      // every value type is handled above; a new one fails to compile here
      const unknown: never = v;
      throw new Error(`internal error: cloneValue cannot copy ${JSON.stringify(unknown)}`);
    }
  }
}
