// Coalescing: calls of a batch operation made while the event loop is still on the same turn
// run as one call over all their items. kafkajs hands an instance up to
// kafka.partitionsConsumedConcurrently partitions' batches at once; each is a chunk with its
// own offsets, fence and retry, but their Redis round trips and their sends need not be
// separate. At a quiet rate a fetch brings a few records per partition, and the fixed cost of
// a round trip or a produce request (commands and requests built, written and answered, the
// promises and timers around them) was most of the processor's CPU; coalesced, a fetch pays
// it once rather than once per partition.
//
// A group is gathered until the next check phase of the event loop (setImmediate): chunks
// decoded from one fetch response reach their enrich stage before it; a chunk arriving later
// starts the next group. Each caller gets its own slice of the answer, in its order. When the
// call fails, every caller of the group gets the error, so each chunk backs off and is tried
// again from its own offsets, as it would alone. The group's other arguments (the enrich
// stage's `nowMs`) are its first caller's: calls of one turn are microseconds apart.
import { ParcelRiskError } from './errors.ts'

interface Caller<O> {
  readonly start: number
  readonly count: number
  readonly resolve: (value: O[]) => void
  readonly reject: (err: unknown) => void
}

interface Group<I, A, O> {
  readonly items: I[]
  readonly callers: Array<Caller<O>>
  readonly args: A
}

/**
 * `run(items, args)` answers one result per item, in order. The coalesced function answers
 * each caller the results of its own items.
 */
export const coalesce = <I, A, O>(
  run: (items: readonly I[], args: A) => Promise<readonly O[]>
): ((items: readonly I[], args: A) => Promise<O[]>) => {
  let open: Group<I, A, O> | undefined
  const flush = (group: Group<I, A, O>): void => {
    if (open === group) open = undefined
    run(group.items, group.args).then((results) => {
      if (results.length !== group.items.length) {
        const message = `coalesced call answered ${results.length} results for ${group.items.length} items`
        throw new ParcelRiskError('E_PIPELINE_STAGE_CONTRACT', message)
      }
      for (const c of group.callers) c.resolve(results.slice(c.start, c.start + c.count) as O[])
    }).catch((err: unknown) => {
      for (const c of group.callers) c.reject(err)
    })
  }
  return async (items, args) => {
    if (open === undefined) {
      const group: Group<I, A, O> = { items: [], callers: [], args }
      open = group
      setImmediate(() => {
        flush(group)
      })
    }
    const group = open
    return await new Promise<O[]>((resolve, reject) => {
      group.callers.push({ start: group.items.length, count: items.length, resolve, reject })
      for (const item of items) group.items.push(item)
    })
  }
}

/**
 * For operations that answer nothing per item (a send, a write-back): the group's items in
 * one call; each caller resolves when it did.
 */
export const coalesceVoid = <I, A>(
  run: (items: readonly I[], args: A) => Promise<void>
): ((items: readonly I[], args: A) => Promise<void>) => {
  const each = coalesce<I, A, undefined>(async (items, args) => {
    await run(items, args)
    return new Array<undefined>(items.length).fill(undefined)
  })
  return async (items, args) => {
    await each(items, args)
  }
}
