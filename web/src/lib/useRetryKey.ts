import { useState } from 'react';
import { newIdempotencyKey } from '../api/client';
import { retryKeys } from './retry-keys';

/** retryKeys() (retry-keys.ts) for the life of a component. */
export function useRetryKey() {
  return useState(() => retryKeys(newIdempotencyKey))[0];
}
