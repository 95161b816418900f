/** Argument docs and key specs the sorted-set declarations repeat. */
import { keys, type KeySpec } from '../../command-context/command-spec.js';

export const oneKey = (...flags: KeySpec['flags']): KeySpec[] => [keys.one(1, ...flags)];
export const keyArg = { name: 'key', type: 'key' } as const;
export const memberArg = { name: 'member', type: 'string' } as const;
export const group = 'sorted-set';
