// The error catalogue. Every failure that parcel-risk reports carries one of these codes.
// The disposition says what the pipeline does with it:
//   reject → dead-letter the record (original bytes, reason in headers) and carry on
//   retry  → back off, then pause the partition; the record is tried again later
//   crash  → exit non-zero and let the supervisor restart the process
// Each code is documented in the README's error table; src/errors.test.ts keeps the two in
// step. Retired codes are never reused: move them to `retired` below.

export type Disposition = 'reject' | 'retry' | 'crash'

export interface CatalogueEntry {
  readonly disposition: Disposition
  /** One line for the README error table: what went wrong and what to do about it. */
  readonly doc: string
}

export const catalogue = {
  // --- configuration and start-up -------------------------------------------------------
  E_CONFIG_INVALID: {
    disposition: 'crash',
    doc: 'One or more configuration keys are missing or invalid; the message lists every bad key.'
  },
  E_STACK_TOOL_MISSING: {
    disposition: 'crash',
    doc: 'The local stack needs a tool (java 17+, mvn, redis-server) that is not installed; the message gives the ' +
      'install command.'
  },
  E_STACK_PORT_TAKEN: {
    disposition: 'crash',
    doc: 'A port the local stack needs cannot be bound (a listener or an outgoing connection holds it); the message ' +
      'names each port, its holder when it can be found and the variable that moves it. `stack up` exits 3.'
  },
  // --- refused by a secured service (src/refusals.ts): `run`, `generate --to-topic` and
  // `profiles load|status` exit 3 -----------------------------------------------------------
  E_KAFKA_AUTH_FAILED: {
    disposition: 'crash',
    doc: 'Kafka refused the SASL authentication: wrong user name or password (`kafka.sasl.*`), or a mechanism the ' +
      'broker does not enable. The message names the user, never the password. Exit 3.'
  },
  E_KAFKA_NOT_AUTHORISED: {
    disposition: 'crash',
    doc: 'Kafka authenticated the user but an ACL is missing ' +
      '(TOPIC_/GROUP_/TRANSACTIONAL_ID_/CLUSTER_AUTHORIZATION_FAILED); the message names the user, the kind of ' +
      'resource refused and every topic, group and transactional id the command needs with its operation. Exit 3.'
  },
  E_TLS_UNTRUSTED: {
    disposition: 'crash',
    doc: 'A service\'s TLS certificate does not verify: not signed by a trusted CA (set `kafka.tls.caFile`, ' +
      '`redis.tls.caFile` or `registry.caFile`), expired, or not issued for the host name. A CA file that does not ' +
      'exist is `E_CONFIG_INVALID`. Exit 3.'
  },
  E_REGISTRY_AUTH: {
    disposition: 'crash',
    doc: 'The schema registry answered 401 or 403: missing or wrong `registry.username`/`registry.password`, or a ' +
      'user without the right. Exit 3.'
  },
  E_REDIS_AUTH: {
    disposition: 'crash',
    doc: 'Redis refused: NOAUTH or WRONGPASS (missing or wrong `redis.username`/`redis.password`), or NOPERM (the ' +
      'ACL user may not run a command or touch a key parcel-risk uses; README "Secured deployment" lists them). ' +
      'Exit 3.'
  },
  // --- pipeline -------------------------------------------------------------------------
  E_PIPELINE_SCORE_FAILED: {
    disposition: 'reject',
    doc: 'The ruleset as a whole failed on a declaration (a single failing rule is an `error` outcome and a ' +
      'fail-closed HOLD instead); the record is dead-lettered with the engine\'s message.'
  },
  E_PIPELINE_STAGE_CONTRACT: {
    disposition: 'crash',
    doc: 'A stage returned a different number of results than it was given records: a defect, so the process stops ' +
      'instead of guessing which record is which.'
  },
  E_PUBLISH_TRANSACTION_RETRY: {
    disposition: 'retry',
    doc: 'Exactly-once mode: a transaction failed with a retriable broker error after its retries (e.g. ' +
      'CONCURRENT_TRANSACTIONS); it was aborted and the chunk is tried again after a back-off.'
  },
  E_PUBLISH_TRANSACTION_UNCERTAIN: {
    disposition: 'crash',
    doc: 'Exactly-once mode: a transaction\'s commit went unanswered (its coordinator failed) and whether it ' +
      'committed could not be learnt within twice the transaction timeout; the chunk is neither sent again nor ' +
      'dropped: the process stops and a restart resumes from the group\'s committed offsets.'
  },
  E_PUBLISH_TRANSACTION_FAILED: {
    disposition: 'crash',
    doc: 'Exactly-once mode: a transaction failed with a non-retriable error (e.g. this producer was fenced by a ' +
      'newer instance); the process stops and a restart rejoins the group.'
  },
  E_INGEST_PARTITION_LOST: {
    disposition: 'retry',
    doc: 'The instance lost a partition (its session expired, e.g. while paused, or the group rebalanced) while it ' +
      'was deciding a chunk; the chunk is not published (the partition\'s new owner decides it) and the instance ' +
      'rejoins the group.'
  },
  E_INGEST_COORDINATOR_UNAVAILABLE: {
    disposition: 'retry',
    doc: 'Before publishing a chunk, the group coordinator could not be reached to confirm this instance still owns ' +
      'the partition (broker down or restarting); nothing is published and the chunk is tried again after a ' +
      'back-off.'
  },
  E_KAFKA_UNAVAILABLE: {
    disposition: 'crash',
    doc: 'A command that writes to Kafka (`generate --to-topic`, the demo\'s feed) kept retrying a broker outage ' +
      'with back-off for 120 s and gave up: `generate` exits 4 (a dependency is unavailable); the demo reports it, ' +
      'stops and exits 1. `dlq replay` exits 4 when the brokers do not answer or a topic cannot be read to its end ' +
      'within `--timeout-ms`.'
  },
  // --- decoding (codec/) and encoding of decisions -------------------------------------
  E_DECODE_MAGIC_BYTE: {
    disposition: 'reject',
    doc: 'The record does not start with the Confluent wire-format magic byte 0 (and carries no `content-type: ' +
      'application/json` header); the message shows the byte found.'
  },
  E_DECODE_TRUNCATED: {
    disposition: 'reject',
    doc: 'The record is shorter than the 5-byte wire-format header, or its Avro body ends before the schema says it ' +
      'should.'
  },
  E_DECODE_AVRO_INVALID: {
    disposition: 'reject',
    doc: 'The Avro body cannot be read with its writer schema: trailing bytes, a bad union index, a negative length ' +
      'or a count larger than the body.'
  },
  E_DECODE_UNKNOWN_SCHEMA: {
    disposition: 'reject',
    doc: 'The registry answered that no schema is registered under the record\'s schema id (HTTP 404); the producer ' +
      'wrote with an id this registry never issued.'
  },
  E_DECODE_REGISTRY_UNAVAILABLE: {
    disposition: 'retry',
    doc: 'The record\'s schema id is not cached and the registry could not be asked (refused, timed out or answered ' +
      '5xx); already cached ids keep decoding.'
  },
  E_DECODE_SCHEMA_UNAVAILABLE: {
    disposition: 'reject',
    doc: 'The record\'s schema id is not cached and the registry stayed unreachable for ' +
      '`registry.unavailableRetryMs` (30 s) of retries; the record is dead-lettered so its partition moves on. ' +
      'Re-drive it with `parcel-risk dlq replay --code E_DECODE_SCHEMA_UNAVAILABLE` once the registry is back.'
  },
  E_DECODE_SCHEMA_INCOMPATIBLE: {
    disposition: 'reject',
    doc: 'The writer schema cannot be resolved into the reader schema (another record, a removed field without ' +
      'default, or not Avro at all).'
  },
  E_DECODE_TOO_LARGE: {
    disposition: 'reject',
    doc: 'The record value is larger than the configured limit (`maxRecordBytes`); the message gives both sizes.'
  },
  E_DECODE_CONTENT_TYPE: {
    disposition: 'reject',
    doc: 'The record\'s `content-type` header names a format other than Avro or `application/json`.'
  },
  E_DECODE_NOT_UTF8: { disposition: 'reject', doc: 'A JSON record is not valid UTF-8 text.' },
  E_DECODE_JSON_SYNTAX: {
    disposition: 'reject',
    doc: 'A JSON record is not well-formed JSON (or nests deeper than the parser allows); the message gives the ' +
      'parser\'s position.'
  },
  E_DECODE_JSON_NUMBER: {
    disposition: 'reject',
    doc: 'A JSON number is not finite once parsed (e.g. `1e400`); the path names the field.'
  },
  E_DECODE_FORBIDDEN_KEY: {
    disposition: 'reject',
    doc: 'A JSON record uses a key that could reach object prototypes (`__proto__`, `constructor`, `prototype`); ' +
      'the path names where.'
  },
  E_DECODE_SCHEMA_MISMATCH: {
    disposition: 'reject',
    doc: 'A JSON record does not match the Avro schema (missing field, wrong type, unknown enum symbol); the path ' +
      'names the first bad field.'
  },
  E_PUBLISH_ENCODE: {
    disposition: 'reject',
    doc: 'A decision does not match the RiskDecision schema and cannot be encoded; the path names the bad field (a ' +
      'defect, reported with the original record).'
  },
  E_PUBLISH_SCHEMA_REGISTRATION: {
    disposition: 'crash',
    doc: 'Registering a schema at start-up failed: the registry stayed unreachable or stalled over three attempts, ' +
      'or rejected the schema as incompatible with the subject\'s history under BACKWARD.'
  },
  // --- publishing (publish/) --------------------------------------------------------------
  E_PUBLISH_BROKER_UNAVAILABLE: {
    disposition: 'retry',
    doc: 'Kafka did not acknowledge a batch of decisions and dead letters: a retriable broker or network error ' +
      '(leader moving, not enough in-sync replicas, request timed out, connection lost) outlasted the client\'s ' +
      'retries. Offsets stay uncommitted and the batch is published again.'
  },
  E_PUBLISH_REJECTED: {
    disposition: 'crash',
    doc: 'Kafka refused a batch with a non-retriable error (record too large, not authorised for the topic, invalid ' +
      'configuration); the message names the broker\'s error type. Fix the cluster or the configuration and restart.'
  },
  E_PUBLISH_TOPIC_SETUP: {
    disposition: 'crash',
    doc: 'Creating the missing topics at start-up failed (not authorised, replication factor above the broker ' +
      'count, invalid topic config); the message names the topics.'
  },
  // --- semantic validation (validate/): disposition reject, carried in REJECT_DATA decisions --
  E_VALIDATE_TYPE: {
    disposition: 'reject',
    doc: 'A field has the wrong type for the ParcelDeclaration schema (e.g. text where a number belongs, a fraction ' +
      'where a whole number belongs); the path names it.'
  },
  E_VALIDATE_ENUM: {
    disposition: 'reject',
    doc: 'A field holds a value that is not one of its enum symbols (declarationType, source.kind, transportMode, ' +
      'itemCategory).'
  },
  E_VALIDATE_REQUIRED: {
    disposition: 'reject',
    doc: 'A required field is missing, null or blank (only white space); the path names it.'
  },
  E_VALIDATE_LENGTH: {
    disposition: 'reject',
    doc: 'A text field is longer than its customs data-element format allows (e.g. names 70, city 35, description ' +
      '512 characters), or route lists more transit countries than `maxRouteLength`.'
  },
  E_VALIDATE_PARTY_MISSING: { disposition: 'reject', doc: 'The seller or the consignee party is missing altogether.' },
  E_VALIDATE_COUNTRY: {
    disposition: 'reject',
    doc: 'A country field is not an officially assigned ISO 3166-1 alpha-2 code in upper case (EU, UK, XK and ' +
      'similar are refused).'
  },
  E_VALIDATE_REGION: {
    disposition: 'reject',
    doc: 'An item\'s originRegion or dispatchLocation.region is not an ISO 3166-2 subdivision code: an assigned ' +
      'alpha-2 country, a dash and 1–3 letters or digits (e.g. UA-43).'
  },
  E_VALIDATE_CURRENCY: {
    disposition: 'reject',
    doc: '`currency` is not the ISO 4217 code of a circulating currency (fund, metal and test codes are refused).'
  },
  E_VALIDATE_HS_CODE: {
    disposition: 'reject',
    doc: 'An item\'s hsCode is not 6 to 10 digits (no dots, spaces or letters).'
  },
  E_VALIDATE_HS_CHAPTER: {
    disposition: 'reject',
    doc: 'An item\'s hsCode starts with a chapter that holds no goods: 00, 77 (reserved) or 98–99.'
  },
  E_VALIDATE_MONEY_FORMAT: {
    disposition: 'reject',
    doc: 'An amount is not a decimal string such as `"18.90"`: up to 12 integer digits without leading zeros, ' +
      'optional dot and 1–4 decimals, no sign or exponent.'
  },
  E_VALIDATE_NOT_FINITE: { disposition: 'reject', doc: 'A number is NaN or infinite (e.g. a mass of `1e400`).' },
  E_VALIDATE_NOT_POSITIVE: {
    disposition: 'reject',
    doc: 'A value, mass, quantity, piece count or version is zero or negative (a zero value is allowed only for ' +
      'itemCategory DOCUMENTS).'
  },
  E_VALIDATE_OUT_OF_RANGE: {
    disposition: 'reject',
    doc: 'A number is above its bound: grossMassKg or an item\'s netMassKg above `maxGrossMassKg`, pieces above ' +
      '`maxPieces`.'
  },
  E_VALIDATE_NET_MASS_EXCEEDS_GROSS: {
    disposition: 'reject',
    doc: 'The items\' net masses add up to more than grossMassKg.'
  },
  E_VALIDATE_VALUE_SUM_MISMATCH: {
    disposition: 'reject',
    doc: 'The items\' intrinsic values do not add up to totalValue within max(0.01 × items, 0.5 % of totalValue) ' +
      '(tunable: `valueSumTolerancePerItem`, `valueSumToleranceRatio`).'
  },
  E_VALIDATE_IOSS_FORMAT: { disposition: 'reject', doc: 'An IOSS number is not `IM` followed by 10 digits.' },
  E_VALIDATE_IOSS_MEMBER_STATE: {
    disposition: 'reject',
    doc: 'An IOSS number\'s three digits after `IM` are not the ISO 3166-1 numeric code of an EU Member State of ' +
      'identification (e.g. 276 Germany, 372 Ireland).'
  },
  // --- rules ------------------------------------------------------------------------------
  E_RULES_INVALID: {
    disposition: 'crash',
    doc: 'The ruleset does not compile (YAML, structure, syntax, unknown field or list, type error, refused regex) ' +
      'or is over the cost budget; the message lists every problem as file:line:column. A hot reload keeps the ' +
      'running ruleset instead.'
  },
  E_RULES_REJECT_DATA: {
    disposition: 'reject',
    doc: 'Not a failure of parcel-risk: a gate rule with action REJECT_DATA fired, and the decision lists this code ' +
      'in `rejections` with the rule title (the decision is published; nothing is dead-lettered).'
  },
  E_VALIDATE_IOSS_MULTIPLE: {
    disposition: 'reject',
    doc: 'Items carry an IOSS number different from the consignment\'s (or from each other): one consignment ' +
      'carries one IOSS number.'
  },
  E_VALIDATE_S10_FORMAT: {
    disposition: 'reject',
    doc: 'postalItemId is not a UPU S10 identifier (2 letters, 8 digits, check digit, 2 letters).'
  },
  E_VALIDATE_S10_CHECK_DIGIT: {
    disposition: 'reject',
    doc: 'postalItemId fails the UPU S10 check digit (weights 8,6,4,2,3,5,9,7, mod 11).'
  },
  E_VALIDATE_DATE_FUTURE: {
    disposition: 'reject',
    doc: 'declaredAt is later than now + `maxClockSkewMs` (7 days), or estimatedArrival later than now + ' +
      '`maxArrivalAheadMs` (120 days).'
  },
  E_VALIDATE_DATE_PAST: {
    disposition: 'reject',
    doc: 'declaredAt or estimatedArrival is older than `maxAgeMs` (365 days).'
  },
  E_VALIDATE_ITEMS_COUNT: {
    disposition: 'reject',
    doc: 'The declaration has no items, or more than `maxItems` (999).'
  },
  // --- enrichment (enrich/) ------------------------------------------------------------
  // --- outcome intake (outcomes/): dead-lettered to the outcomes DLQ topic -----------------
  E_OUTCOME_INVALID: {
    disposition: 'reject',
    doc: 'An inspection outcome decodes but cannot be counted: no value, blank declarationId, version not positive, ' +
      'revenueAmount not a decimal string, revenueAmount without revenueCurrency, or a currency that is not three ' +
      'capital letters; the message names the field.'
  },
  E_OUTCOME_DECISION_UNKNOWN: {
    disposition: 'reject',
    doc: 'No decision for the outcome\'s declarationId and version arrived within `outcomes.decisionWaitMs`: never ' +
      'decided, decided as a plain RELEASE (no record is kept for those), or decided longer ago than ' +
      '`outcomes.decisionTtlMs`. Re-drive it once the decision is there.'
  },
  // --- web console (console/) -------------------------------------------------------------
  E_CONSOLE_UNDECODABLE: {
    disposition: 'reject',
    doc: 'The console\'s intake cannot decode a record on a topic it reads (declarations, decisions, shadow ' +
      'decisions, inspection outcomes); it is dead-lettered to `console.dlqTopic` with the decoder\'s code and ' +
      'message (e.g. `E_DECODE_MAGIC_BYTE: ...`) in parcel-risk.error.message, counted on the overview\'s dead ' +
      'letters, and intake goes on.'
  },
  E_ENRICH_PROFILE_INVALID: {
    disposition: 'reject',
    doc: 'A profile update (a line of a profile file, a CSV row or a profile-updates record) is not a valid ' +
      'ProfileUpdate; the message names the line or offset and the first bad field.'
  }
} as const satisfies Record<string, CatalogueEntry>

export type ErrorCode = keyof typeof catalogue

/** Codes that were once in use. Never reuse them. */
export const retired: readonly string[] = []

export class ParcelRiskError extends Error {
  readonly code: ErrorCode
  readonly disposition: Disposition
  /** Where in the input the problem is, e.g. `items[2].hsCode`, when known. */
  readonly path: string | undefined

  constructor (code: ErrorCode, message: string, options?: ErrorOptions & { path?: string }) {
    super(message, options)
    this.name = 'ParcelRiskError'
    this.code = code
    this.disposition = catalogue[code].disposition
    this.path = options?.path
  }
}

export const isParcelRiskError = (err: unknown): err is ParcelRiskError => err instanceof ParcelRiskError
