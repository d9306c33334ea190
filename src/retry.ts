// The one way parcel-risk tries something again. Every place that retries states its policy
// here, at set-up, as four answers:
//   attempts   how many in all, the first included (Infinity: until the caller stops it)
//   backoff    the wait after failed attempt n, at most maxMs:
//                exponential  firstMs × factorⁿ⁻¹ (factor 2 unless given)
//                linear       firstMs × n
//              with jitter j, the wait is cut by a random part of up to j of it
//              (wait × (1 − j × random)): instances that failed together do not come back
//              together, and no wait is longer than without jitter
//   retryable  which errors are worth another attempt; programming errors (TypeError,
//              RangeError, ReferenceError, SyntaxError) never are, whatever it says
//   timeout    optional: attempt n gets the caller's budget × timeoutFactorⁿ⁻¹. The attempt is
//              handed its budget and keeps to it itself: only it can abandon its request
//              (discard a pipeline, destroy a socket), and a second timer raced here would cost
//              every call one more timer
// Users: the Redis round trip (enrich/redis-store.ts: a timeout tried once more with twice the
// budget), schema registration (codec/registry.ts), the transaction retry and the wait for an
// unanswered commit (publish/transactional.ts), a tool's writes through a broker outage
// (publish/topic-writer.ts), and the back-off of a partition whose chunk failed
// (ingest/consumer.ts, which schedules the resume from `delayMs`).
//
// Hand-written, not cockatiel's retry policy, on a measurement of the call every batch makes,
// the Redis round trip answered at its first attempt (npm run bench -- retry, one process, the
// sides interleaved, 200,000 calls a run, median of 7; four runs at load 6 on 2 CPUs, against
// the try/catch the store had): cockatiel 4.0.0's retry 0.32-0.47×, this module's run()
// 0.52-0.71×, a loop asking this module (again, timeoutMs) 1.10-1.34×. So the hot path keeps
// its loop and asks the policy; run() serves the calls made once (schema registration), and
// the transaction loop asks the policy too, where cockatiel ran 0.24× (bench/RESULTS.md).

export interface Backoff {
  /** The wait after the first failed attempt. */
  readonly firstMs: number
  readonly growth: 'exponential' | 'linear'
  /** Exponential growth: each wait is the previous one times this; 2 unless given. */
  readonly factor?: number
  /** No wait is longer. */
  readonly maxMs: number
}

export interface RetryOptions {
  /** Attempts in all, the first included; Infinity when the caller decides when to stop. */
  readonly attempts: number
  readonly backoff: Backoff
  /** Fraction of each wait that is drawn at random (0, no jitter, unless given). */
  readonly jitter?: number
  /** True when an error is worth another attempt. */
  readonly retryable: (err: unknown) => boolean
  /** Attempt n's time budget is the caller's budget times this to the power n − 1 (1 unless given). */
  readonly timeoutFactor?: number
  /** Injectable for tests. */
  readonly sleep?: (ms: number) => Promise<void>
  /** Injectable for tests: a number in [0, 1). */
  readonly random?: () => number
}

/** One attempt: its number (from 1) and its time budget (Infinity when the caller gave none). */
export type Attempt<T> = (attempt: number, timeoutMs: number) => Promise<T>

export interface RunOptions {
  /** Time budget of the first attempt; later attempts get it times timeoutFactor per attempt. */
  readonly timeoutMs?: number
  /** Told before each wait, e.g. to log the retry. */
  readonly onRetry?: (err: unknown, attempt: number, delayMs: number) => void
}

export interface RetryPolicy {
  readonly attempts: number
  /** The policy's classification (programming errors excluded). */
  readonly retryable: (err: unknown) => boolean
  /** True when attempt `attempt` failed with `err` and the policy allows another. */
  readonly again: (err: unknown, attempt: number) => boolean
  /** The wait after failed attempt `attempt`, jitter included. */
  readonly delayMs: (attempt: number) => number
  /** Attempt `attempt`'s share of a first-attempt budget of `baseMs`. */
  readonly timeoutMs: (baseMs: number, attempt: number) => number
  /** Waits `ms` (nothing for 0) with the policy's clock, for loops that do more between attempts than `run`. */
  readonly sleep: (ms: number) => Promise<void>
  /** Runs `attempt` until it succeeds or `again` says no; then its last error is thrown. */
  readonly run: <T>(attempt: Attempt<T>, options?: RunOptions) => Promise<T>
}

const sleepFor = async (ms: number): Promise<void> => {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

/** Defects, not conditions: trying again only repeats them. */
export const isProgrammingError = (err: unknown): boolean =>
  err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError || err instanceof SyntaxError

export const retryPolicy = (options: RetryOptions): RetryPolicy => {
  const { attempts, backoff } = options
  const factor = backoff.factor ?? 2
  const jitter = options.jitter ?? 0
  const timeoutFactor = options.timeoutFactor ?? 1
  const sleepMs = options.sleep ?? sleepFor
  const random = options.random ?? Math.random
  if (!(attempts >= 1)) throw new RangeError(`attempts must be at least 1, not ${attempts}`)
  if (!(jitter >= 0 && jitter <= 1)) throw new RangeError(`jitter must be between 0 and 1, not ${jitter}`)

  const retryable = (err: unknown): boolean => !isProgrammingError(err) && options.retryable(err)
  const again = (err: unknown, attempt: number): boolean => attempt < attempts && retryable(err)

  const delayMs = (attempt: number): number => {
    const grown = backoff.growth === 'linear' ? backoff.firstMs * attempt : backoff.firstMs * factor ** (attempt - 1)
    const capped = Math.min(backoff.maxMs, grown)
    return jitter === 0 ? capped : Math.round(capped * (1 - jitter * random()))
  }

  const timeoutMs = (baseMs: number, attempt: number): number =>
    attempt === 1 || timeoutFactor === 1 ? baseMs : baseMs * timeoutFactor ** (attempt - 1)

  const sleep = async (ms: number): Promise<void> => {
    if (ms > 0) await sleepMs(ms)
  }

  const run = async <T>(attempt: Attempt<T>, runOptions?: RunOptions): Promise<T> => {
    const baseMs = runOptions?.timeoutMs ?? Infinity
    for (let n = 1; ; n++) {
      try {
        return await attempt(n, timeoutMs(baseMs, n))
      } catch (err) {
        if (!again(err, n)) throw err
        const ms = delayMs(n)
        runOptions?.onRetry?.(err, n, ms)
        await sleep(ms)
      }
    }
  }

  return { attempts, retryable, again, delayMs, timeoutMs, sleep, run }
}
