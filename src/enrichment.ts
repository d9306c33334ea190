// The enrichment record: what the enrichment stage (Redis profiles, watchlists, windowed
// counters) knows about a declaration's parties. The rule engine reads it beside the
// declaration as `enrichment.<path>`.
//
// Every field is optional: when Redis is slow or down the stage hands over what it has and
// names what is missing, and the engine's missing-value semantics (rules/README.md) decide.
//
// `enrichmentFields` below is the machine-readable copy of this type that the rule type
// checker uses. A test keeps the two in step; add a field to both.

import type { AeoProgramme, AeoStatus } from './declaration.ts'

export type SellerRiskTier = 'LOW' | 'MEDIUM' | 'HIGH' | 'UNKNOWN'

export interface AeoEnrichment {
  /** Which trusted-trader programme; only AEOS/AEOF (and MRA partners) earn risk relief. */
  readonly programme?: AeoProgramme
  readonly status?: AeoStatus
  /** The certificate comes from a programme the jurisdiction mutually recognises. */
  readonly mraApplicable?: boolean
  /** The record has not been refreshed within its validity window; treat as unverified. */
  readonly stale?: boolean
  /**
   * The AEO id is the seller's EORI/TIN or its operator name is the seller's name; when false the record is not
   * trusted.
   */
  readonly matchesSeller?: boolean
}

export interface SellerEnrichment {
  readonly riskTier?: SellerRiskTier
  /** Epoch milliseconds of the first declaration seen from this seller. */
  readonly firstSeenAt?: number
  /** Whole days between firstSeenAt and the enrichment time. */
  readonly ageDays?: number
  /** Past violations, each decayed by age (a fresh seizure counts 1, older ones less). */
  readonly violations?: number
  /** The seller is a verified known consignor. */
  readonly knownConsignor?: boolean
  /** Positive controls (seizure, revenue, content mismatch) of its parcels in the last 180 days, at most 64. */
  readonly offences180d?: number
  /** Epoch milliseconds of the latest positive control; absent when there was none. */
  readonly lastOffenceAt?: number
  readonly aeo?: AeoEnrichment
  /**
   * Custom attributes a ruleset declares (`attributes.seller`), as stored text; the engine converts them to their
   * declared type.
   */
  readonly attributes?: Readonly<Record<string, string>>
}

export interface ConsigneeEnrichment {
  /** Keyed hash of the normalised consignee identity (name + address); never the raw data. */
  readonly identityHash?: string
  readonly violations?: number
  /** As SellerEnrichment.offences180d, for parcels to this consignee. */
  readonly offences180d?: number
  readonly lastOffenceAt?: number
  /** Custom attributes a ruleset declares (`attributes.consignee`), as stored text. */
  readonly attributes?: Readonly<Record<string, string>>
}

export interface WatchlistEnrichment {
  /** A seller's name, address, identifier, phone or e-mail equals a listed one after normalisation. */
  readonly sellerHit?: boolean
  readonly consigneeHit?: boolean
  /**
   * The seller's best match against the lists, 0..1: 1 on an exact hit, else the approximate score (0: no
   * candidate).
   */
  readonly sellerMatchScore?: number
  readonly consigneeMatchScore?: number
  /** The larger of sellerMatchScore and consigneeMatchScore. */
  readonly matchScore?: number
}

export interface IossEnrichment {
  /** The IOSS number is in the registry. */
  readonly registered?: boolean
  /** The IOSS number belongs to this seller or platform. */
  readonly boundToSeller?: boolean
}

export interface AggregatesEnrichment {
  readonly consigneeCount24h?: number
  readonly consigneeValueEur24h?: number
  readonly consigneeCount7d?: number
  readonly consigneeValueEur7d?: number
  readonly sellerCount24h?: number
  readonly sellerValueEur24h?: number
  readonly sellerCount7d?: number
  readonly sellerValueEur7d?: number
  readonly iossCount24h?: number
  readonly iossValueEur24h?: number
  readonly iossCount7d?: number
  readonly iossValueEur7d?: number
}

/** The route of the declaration: its dispatch country (`originCountry`) to its destination. */
export interface RouteEnrichment {
  /** Custom attributes a ruleset declares (`attributes.route`), as stored text. */
  readonly attributes?: Readonly<Record<string, string>>
}

export interface EnrichmentRecord {
  readonly seller?: SellerEnrichment
  readonly consignee?: ConsigneeEnrichment
  readonly watchlist?: WatchlistEnrichment
  readonly ioss?: IossEnrichment
  readonly aggregates?: AggregatesEnrichment
  readonly route?: RouteEnrichment
  /**
   * Custom attributes of commodity codes (`attributes.hsCode`), by each item's hsCode as
   * declared, as stored text: rules read them per item as `item.attributes.{name}`.
   */
  readonly hsCodes?: Readonly<Record<string, Readonly<Record<string, string>>>>
}

/** Scalar types the rule language knows. `timestamp` is epoch milliseconds. */
export type FieldType = 'string' | 'number' | 'boolean' | 'timestamp'

/** Type of every leaf of EnrichmentRecord, by dotted path under `enrichment.`. */
export const enrichmentFields: Readonly<Record<string, FieldType>> = Object.freeze({
  'seller.riskTier': 'string',
  'seller.firstSeenAt': 'timestamp',
  'seller.ageDays': 'number',
  'seller.violations': 'number',
  'seller.knownConsignor': 'boolean',
  'seller.offences180d': 'number',
  'seller.lastOffenceAt': 'timestamp',
  'seller.aeo.programme': 'string',
  'seller.aeo.status': 'string',
  'seller.aeo.mraApplicable': 'boolean',
  'seller.aeo.stale': 'boolean',
  'seller.aeo.matchesSeller': 'boolean',
  'consignee.identityHash': 'string',
  'consignee.violations': 'number',
  'consignee.offences180d': 'number',
  'consignee.lastOffenceAt': 'timestamp',
  'watchlist.sellerHit': 'boolean',
  'watchlist.consigneeHit': 'boolean',
  'watchlist.sellerMatchScore': 'number',
  'watchlist.consigneeMatchScore': 'number',
  'watchlist.matchScore': 'number',
  'ioss.registered': 'boolean',
  'ioss.boundToSeller': 'boolean',
  'aggregates.consigneeCount24h': 'number',
  'aggregates.consigneeValueEur24h': 'number',
  'aggregates.consigneeCount7d': 'number',
  'aggregates.consigneeValueEur7d': 'number',
  'aggregates.sellerCount24h': 'number',
  'aggregates.sellerValueEur24h': 'number',
  'aggregates.sellerCount7d': 'number',
  'aggregates.sellerValueEur7d': 'number',
  'aggregates.iossCount24h': 'number',
  'aggregates.iossValueEur24h': 'number',
  'aggregates.iossCount7d': 'number',
  'aggregates.iossValueEur7d': 'number'
})

/** Allowed values of the string fields that are enumerations, so `== "ACTVE"` fails check. */
export const enrichmentSymbols: Readonly<Record<string, readonly string[]>> = Object.freeze({
  'seller.riskTier': ['LOW', 'MEDIUM', 'HIGH', 'UNKNOWN'],
  'seller.aeo.programme': ['AEOS', 'AEOF', 'AEOC', 'CTPAT', 'OTHER'],
  'seller.aeo.status': ['ACTIVE', 'SUSPENDED', 'REVOKED']
})
