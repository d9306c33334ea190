// Redis keys of the yield statistics. Everything one decision or one outcome changes lives in
// one hash slot, so the Lua script that checks the marker and increments the counters runs on
// Redis Cluster too: the slot is chosen by the hash tag {<ruleset id@version>#<shard>}.
// The shard (0–15, from the declarationId) spreads one ruleset version's markers over sixteen
// slots instead of one, so a busy version does not pile every marker onto one cluster node;
// the report sums the sixteen counter hashes.
//
//   <prefix>yield:{<rs>#<n>}:counts            hash: counter field → integer (tally.ts)
//   <prefix>yield:{<rs>#<n>}:d:<id>:<version>  marker: this decision was counted (TTL)
//   <prefix>yield:{<rs>#<n>}:o:<outcome id>    marker: this outcome was counted (TTL)
//   <prefix>yield:decision:<id>:<version>      the decision record an outcome joins to (TTL)
//   <prefix>yield:rulesets                     set of the ruleset versions seen (JSON [id, version, digest])
// <rs> is the ruleset id and version, URI-encoded so a brace in either cannot end the tag.

export const YIELD_SHARDS = 16

/** FNV-1a over the UTF-16 code units: cheap, stable, and only has to spread ids evenly. */
export const shardOf = (declarationId: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < declarationId.length; i++) {
    h ^= declarationId.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h % YIELD_SHARDS
}

export interface YieldKeys {
  readonly counts: (rulesetId: string, version: string, shard: number) => string
  readonly decisionMarker: (
    rulesetId: string, version: string, declarationId: string, declarationVersion: number
  ) => string
  readonly outcomeMarker: (rulesetId: string, version: string, declarationId: string, outcomeId: string) => string
  readonly decisionRecord: (declarationId: string, declarationVersion: number) => string
  readonly rulesets: string
}

export const yieldKeys = (prefix: string): YieldKeys => {
  const tag = (rulesetId: string, version: string, shard: number): string =>
    `${prefix}yield:{${encodeURIComponent(`${rulesetId}@${version}`)}#${shard}}`
  return {
    counts: (rulesetId, version, shard) => `${tag(rulesetId, version, shard)}:counts`,
    decisionMarker: (rulesetId, version, id, v) => `${tag(rulesetId, version, shardOf(id))}:d:${id}:${v}`,
    outcomeMarker: (rulesetId, version, id, outcome) => `${tag(rulesetId, version, shardOf(id))}:o:${outcome}`,
    decisionRecord: (id, v) => `${prefix}yield:decision:${id}:${v}`,
    rulesets: `${prefix}yield:rulesets`
  }
}
