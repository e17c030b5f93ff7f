/**
 * Requests per minute per key: a sliding 60-second window of admission times, in memory (per
 * router process; a restart starts a fresh window). `admit` either records the request or says
 * how many seconds until the oldest one leaves the window.
 */
const WINDOW_MS = 60_000

export const makeRateLimiter = () => {
  const windows = new Map<string, Array<number>>()

  const admit = (jti: string, rpm: number, now: number): { readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number } => {
    const times = (windows.get(jti) ?? []).filter((t) => t > now - WINDOW_MS)
    if (times.length >= rpm) {
      windows.set(jti, times)
      const oldest = times[0] ?? now
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + WINDOW_MS - now) / 1000)) }
    }
    times.push(now)
    windows.set(jti, times)
    return { ok: true }
  }

  return { admit }
}
