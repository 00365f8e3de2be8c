/** How failed log-ins are throttled, per account name and per client address. */
export interface LoginThrottleConfig {
  /** Failed log-ins of one account name before it is locked (whether the account exists or not). */
  accountFailures: number;
  /** Failed log-ins from one client address, over every account, before it is locked. */
  addressFailures: number;
  /** The first lock; each further failure doubles it. */
  firstLockMs: number;
  /** The longest lock. */
  maxLockMs: number;
  /** Failures are forgotten this long after the last one (and after the lock it caused has ended). */
  forgetMs: number;
}

export const DEFAULT_LOGIN_THROTTLE: LoginThrottleConfig = {
  accountFailures: 5,
  addressFailures: 30,
  firstLockMs: 60_000,
  maxLockMs: 60 * 60_000,
  forgetMs: 24 * 60 * 60_000,
};

/** A throttle row: failures in a row, the lock they caused, and when the last one was. */
export interface ThrottleState {
  failures: number;
  lockedUntil: number | null;
  lastFailureAt: number;
}

/** The lock after `failures` failures in a row: none below the threshold, then first, 2×, 4× … up to the longest. */
export function lockMs(failures: number, threshold: number, c: LoginThrottleConfig): number | null {
  if (failures < threshold) return null;
  const doublings = failures - threshold;
  // 2^31 ms is beyond any configured maximum: stop doubling before the number overflows.
  return doublings >= 31 ? c.maxLockMs : Math.min(c.maxLockMs, c.firstLockMs * 2 ** doublings);
}

/** Whether a row refuses an attempt now: the instant its lock ends, or null when it is not locked. */
export function lockedUntil(s: ThrottleState, now: number): number | null {
  return s.lockedUntil !== null && s.lockedUntil > now ? s.lockedUntil : null;
}

/**
 * The row after one more failure at `now` (counted before the password is checked, and taken back if it was
 * right): failures long forgotten start again from one; reaching the threshold locks the key.
 */
export function afterFailure(s: ThrottleState, now: number, threshold: number, c: LoginThrottleConfig): ThrottleState {
  const quietSince = Math.max(s.lastFailureAt, s.lockedUntil ?? 0);
  const failures = s.failures > 0 && now - quietSince < c.forgetMs ? s.failures + 1 : 1;
  const lock = lockMs(failures, threshold, c);
  return { failures, lockedUntil: lock === null ? null : now + lock, lastFailureAt: now };
}
