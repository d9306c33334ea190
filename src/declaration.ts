// Generated from schemas/*.avsc by `npm run generate:types`. Do not edit by hand:
// change the schema and regenerate (deploy/codegen/avro-to-ts.test.ts fails on drift).
// Timestamps are epoch milliseconds; money amounts are decimal strings (see schemas/).

/**
 * The result of a control carried out after a HOLD (document check, NII scan, physical exam), fed back by the targeting
 * centre. Keyed by declarationId; feeds seller and consignee profiles and rule yield statistics. Evolution is BACKWARD:
 * every new field is optional (a union with null, default null).
 */
export interface InspectionOutcome {
  /** declarationId of the controlled declaration. */
  declarationId: string
  /** version of the declaration the control was carried out on. */
  version: number
  /** What the control found. */
  result: InspectionResult
  /** When the control was completed, milliseconds since the Unix epoch (UTC). */
  inspectedAt: number
  /** How the parcel was controlled. */
  method: InspectionMethod
  /** Ids of the rules that caused the hold, copied from the decision, so yield can be counted per rule. */
  ruleIds: string[]
  /**
   * Additional duty and taxes assessed when result is REVENUE, decimal string matching
   * ^(0|[1-9][0-9]{0,11})(\.[0-9]{1,4})?$ in revenueCurrency.
   */
  revenueAmount: string | null
  /** ISO 4217 code of revenueAmount. */
  revenueCurrency: string | null
  /** Free-text remarks of the officer; may contain personal data and is never logged. */
  notes: string | null
  /**
   * What the non-intrusive scan showed, when the parcel was scanned (method NII, or NII before a physical exam); null
   * when it was not.
   */
  niiResult: NiiResult | null
  /**
   * Reference of the scan image in the scanner's image store (e.g. a UFF file id or URI), when there is one; never the
   * image itself.
   */
  imageRef: string | null
}

/**
 * NO_FINDING: consistent with the declaration; SEIZED: goods seized (prohibited, counterfeit, restricted); REVENUE:
 * duty or VAT adjusted (undervaluation, misclassification); CONTENT_MISMATCH: contents differ from the description
 * without a seizure; DOCUMENTS_INSUFFICIENT: requested information not supplied; OTHER.
 */
export type InspectionResult =
  | 'NO_FINDING'
  | 'SEIZED'
  | 'REVENUE'
  | 'CONTENT_MISMATCH'
  | 'DOCUMENTS_INSUFFICIENT'
  | 'OTHER'
/** The symbols of InspectionResult, in schema order. */
export const inspectionResultSymbols: readonly InspectionResult[] = [
  'NO_FINDING', 'SEIZED', 'REVENUE', 'CONTENT_MISMATCH', 'DOCUMENTS_INSUFFICIENT', 'OTHER'
]

/**
 * DOCUMENT_CHECK, NII (X-ray or other non-intrusive scan, e.g. a UFF result), PHYSICAL (opened and examined), OTHER.
 */
export type InspectionMethod = 'DOCUMENT_CHECK' | 'NII' | 'PHYSICAL' | 'OTHER'
/** The symbols of InspectionMethod, in schema order. */
export const inspectionMethodSymbols: readonly InspectionMethod[] = ['DOCUMENT_CHECK', 'NII', 'PHYSICAL', 'OTHER']

/**
 * CLEAR: the image matches the declared contents; ANOMALY: the image shows something the declaration does not explain;
 * INCONCLUSIVE: the image could not be read.
 */
export type NiiResult = 'CLEAR' | 'ANOMALY' | 'INCONCLUSIVE'
/** The symbols of NiiResult, in schema order. */
export const niiResultSymbols: readonly NiiResult[] = ['CLEAR', 'ANOMALY', 'INCONCLUSIVE']

/**
 * One low-value parcel declaration (house level) as lodged by an e-commerce platform, an express carrier or a postal
 * operator. Field set drawn from EU H7 and ICS2 house level, US Type 86, UPU CN22/CN23/ITMATT and the WCO e-commerce
 * data elements. Money amounts are decimal strings, never floating point: the text stays exactly as declared (18.90
 * stays 18.90), survives JSON and Avro unchanged, and the engine parses it once to a number for arithmetic. Evolution
 * is BACKWARD: every new field is optional (a union with null, default null).
 */
export interface ParcelDeclaration {
  /**
   * Identifier of the declaration, unique per source (e.g. a UUID or the filer's reference). Kafka key of the decision.
   */
  declarationId: string
  /**
   * Amendment number: 1 for the first lodgement, incremented by each amendment of the same declarationId. A decision
   * always names the version it answers.
   */
  version: number
  /**
   * House transport document: house air waybill, bill of lading or carrier consignment number (H7 DE 12 05, ICS2 '+1',
   * US one house bill per entry). Example 176-12345675.
   */
  houseTransportDocId: string
  /** Master transport document (master air waybill) when known; may arrive later than the house data. */
  masterTransportDocId: string | null
  /**
   * UPU S10 item identifier for postal items: 2-letter service code, 8 digits, check digit (weights 8,6,4,2,3,5,9,7,
   * mod 11), ISO country code, e.g. RR287043775IN.
   */
  postalItemId: string | null
  /** Platform order number or unique consignment reference (H7 DE 12 08); optional, absent for C2C postal items. */
  orderRef: string | null
  /** Who lodged the declaration. */
  source: Source
  /** Data set the declaration follows. */
  declarationType: DeclarationType
  /** When the filer lodged this version, milliseconds since the Unix epoch (UTC). */
  declaredAt: number
  /**
   * Estimated date and time of arrival in the destination country (US EDA, ENS arrival), milliseconds since the Unix
   * epoch (UTC).
   */
  estimatedArrival: number | null
  /** Seller, exporter or consignor (H7 DE 13 01, ENS shipper, CN23 sender). */
  seller: Party
  /** Consignee, buyer or importer (H7 DE 13 04, ENS consignee, CN23 addressee). */
  consignee: Party
  /** ISO 3166-1 alpha-2 code of the country of destination (where the goods are released). */
  destinationCountry: string
  /**
   * ISO 3166-1 alpha-2 code of the country of dispatch of the consignment. Country of origin of the goods is per item
   * (items[].originCountry).
   */
  originCountry: string
  /**
   * ISO 3166-1 alpha-2 codes of the countries of transit, in order, excluding dispatch and destination; empty when
   * direct.
   */
  route: string[]
  /** Where the parcel was handed over for transport. */
  dispatchLocation: DispatchLocation
  /** Mode of transport at the border (UN/ECE Recommendation 19). */
  transportMode: TransportMode
  /** Number of packages (smallest external packing units) in the consignment, at least 1. */
  pieces: number
  /** Total gross mass in kilograms, packaging included. Mass is a measurement, so a double is exact enough. */
  grossMassKg: number
  /**
   * Total declared value of the consignment in `currency`, as a decimal string matching
   * ^(0|[1-9][0-9]{0,11})(\.[0-9]{1,4})?$ (e.g. "18.90"): exact, as declared, JSON-friendly. Should equal the sum of
   * items[].intrinsicValue.
   */
  totalValue: string
  /** ISO 4217 alphabetic currency code of every amount in this declaration, e.g. EUR. */
  currency: string
  /**
   * Transport and insurance costs to the destination (H7 DE 14 15), decimal string in `currency` with the same pattern
   * as totalValue.
   */
  transportInsuranceCost: string | null
  /** Nature of the transaction (CN23 categories). */
  itemCategory: ItemCategory
  /** Line items (goods items) of the consignment, at least one. */
  items: Item[]
  /**
   * EU VAT Import One-Stop-Shop number of the seller or platform (H7 DE 13 16, role FR5), IM followed by 10 digits. One
   * per consignment; cannot change after release.
   */
  iossNumber: string | null
  /**
   * Authorised Economic Operator certificate reference claimed by the filer or seller; verified against the AEO profile
   * during enrichment.
   */
  aeoCertRef: string | null
  /** H7 additional procedure code, e.g. C07, F48 (IOSS), F49 (special arrangements). */
  additionalProcedure: string | null
  /**
   * Stable identifier of the seller on the platform or in the carrier's accounts (US §321 originator code); key of the
   * seller profile.
   */
  sellerId: string
  /** Identifier of the online marketplace that facilitated the sale, when there is one. */
  platformId: string | null
}

/** The filer of a declaration. */
export interface Source {
  /** Kind of filer. */
  kind: SourceKind
  /** Identifier of the filer (platform id, carrier code, postal operator code). */
  sourceId: string
}

/**
 * PLATFORM: e-commerce marketplace or seller platform; EXPRESS: express or courier carrier; POSTAL: designated postal
 * operator.
 */
export type SourceKind = 'PLATFORM' | 'EXPRESS' | 'POSTAL'
/** The symbols of SourceKind, in schema order. */
export const sourceKindSymbols: readonly SourceKind[] = ['PLATFORM', 'EXPRESS', 'POSTAL']

/**
 * H7: EU super-reduced release for free circulation; ENS_PLACI: ICS2 entry summary / pre-loading data; T86: US Type 86
 * entry; CN22 / CN23: UPU postal customs declarations (CN22 up to 300 SDR).
 */
export type DeclarationType = 'H7' | 'ENS_PLACI' | 'T86' | 'CN22' | 'CN23'
/** The symbols of DeclarationType, in schema order. */
export const declarationTypeSymbols: readonly DeclarationType[] = ['H7', 'ENS_PLACI', 'T86', 'CN22', 'CN23']

/** A person or company named in a declaration. */
export interface Party {
  /** Full name of the person or company, as declared. */
  name: string
  /** Postal address. */
  address: Address
  /** Registration numbers of the party. */
  identifiers: PartyIdentifiers
  /** Telephone number, E.123 international format preferred (+49 30 1234567). */
  phone: string | null
  /** E-mail address. */
  email: string | null
}

/** A postal address. */
export interface Address {
  /** Street, house number and any further address lines. */
  street: string
  /** City or town. */
  city: string
  /** Postal code; absent where the country has none (e.g. HK). */
  postcode: string | null
  /** ISO 3166-1 alpha-2 country code, upper case, e.g. DE. */
  country: string
}

/** Customs and tax identifiers of a party; each optional. */
export interface PartyIdentifiers {
  /** EU/UK Economic Operators Registration and Identification number (country code + national number). */
  eori: string | null
  /** Trader or taxpayer identification number in the WCO TIN format, e.g. JP1511234567890. */
  tin: string | null
  /** VAT registration number. */
  vat: string | null
}

/** Place of dispatch, with the free-zone flag used by free-zone risk rules. */
export interface DispatchLocation {
  /** ISO 3166-1 alpha-2 code of the place of dispatch. */
  country: string
  /** True when the goods leave from a free (trade) zone or free warehouse. */
  freeZone: boolean
  /** Identifier of the free zone when freeZone is true. */
  zoneId: string | null
  /** ISO 3166-2 code of the region of dispatch (e.g. UA-43), for measures that name a region; null when not known. */
  region: string | null
}

/**
 * UN/ECE Rec. 19 modes: SEA (1), RAIL (2), ROAD (3), AIR (4), MAIL (5), MULTIMODAL (6), INLAND_WATERWAY (8), UNKNOWN
 * (0, also what readers see for a mode added after their schema).
 */
export type TransportMode = 'AIR' | 'SEA' | 'ROAD' | 'RAIL' | 'MAIL' | 'MULTIMODAL' | 'INLAND_WATERWAY' | 'UNKNOWN'
/** The symbols of TransportMode, in schema order. */
export const transportModeSymbols: readonly TransportMode[] = [
  'AIR', 'SEA', 'ROAD', 'RAIL', 'MAIL', 'MULTIMODAL', 'INLAND_WATERWAY', 'UNKNOWN'
]

/**
 * GIFT, COMMERCIAL_SAMPLE, SALE_OF_GOODS, RETURNED_GOODS, DOCUMENTS, OTHER (also what readers see for a category added
 * after their schema).
 */
export type ItemCategory = 'GIFT' | 'COMMERCIAL_SAMPLE' | 'SALE_OF_GOODS' | 'RETURNED_GOODS' | 'DOCUMENTS' | 'OTHER'
/** The symbols of ItemCategory, in schema order. */
export const itemCategorySymbols: readonly ItemCategory[] = [
  'GIFT', 'COMMERCIAL_SAMPLE', 'SALE_OF_GOODS', 'RETURNED_GOODS', 'DOCUMENTS', 'OTHER'
]

/** One goods item of a consignment. */
export interface Item {
  /**
   * Plain-language description precise enough to identify the goods (ICS2 DE 18 05 rejects generic terms), e.g. men's
   * cotton T-shirt.
   */
  description: string
  /**
   * Commodity code, 6 to 10 digits without dots or spaces: HS-6 at least, up to the 8-digit CN or 10-digit TARIC/HTSUS,
   * e.g. 610910.
   */
  hsCode: string
  /** Quantity of the item in `unit`, greater than zero. */
  quantity: number
  /** Unit of the quantity, UN/ECE Recommendation 20 code, e.g. PCE (pieces), KGM, LTR, PR (pairs). */
  unit: string
  /** Net mass of the item in kilograms, without packaging, greater than zero. */
  netMassKg: number
  /**
   * Intrinsic value of the item (H7 DE 14 14: price of the goods, VAT and transport excluded) in the declaration's
   * currency, decimal string with the same pattern as totalValue.
   */
  intrinsicValue: string
  /** ISO 3166-1 alpha-2 code of the country of origin (manufacture) of the goods. */
  originCountry: string
  /**
   * IOSS number given at item level (H7 allows DE 13 16 per item); when present it must equal the consignment's
   * iossNumber, since one consignment carries one IOSS number.
   */
  iossNumber: string | null
  /**
   * ISO 3166-2 code of the region of origin where a measure names a region rather than a country (e.g. UA-43 Autonomous
   * Republic of Crimea, UA-40 Sevastopol); null when not declared. No H7, ENS or CN23 data element carries it, so it is
   * present only when the filer or platform knows it.
   */
  originRegion: string | null
}

/**
 * One update of the enrichment store, on the compacted profile-updates topic keyed by entity key (e.g.
 * seller:<sellerId>). Exactly one payload field is set, the one named by kind; a record with a null value (tombstone)
 * deletes the entity. The payload is a kind plus one optional field per kind rather than an Avro union of records, so
 * JSON and binary encodings look the same and new kinds are added BACKWARD-compatibly as new optional fields.
 */
export interface ProfileUpdate {
  /** Which payload field is set. */
  kind: ProfileKind
  /**
   * When the source system produced this update, milliseconds since the Unix epoch (UTC); older updates never overwrite
   * newer ones.
   */
  updatedAt: number
  /** System that produced the update, e.g. seller-registry, eos-mra-sync, inspection-feedback. */
  sourceSystem: string
  /** Seller profile, when kind is SELLER. */
  seller: SellerProfile | null
  /** Consignee profile, when kind is CONSIGNEE. */
  consignee: ConsigneeProfile | null
  /** AEO record, when kind is AEO. */
  aeo: AeoRecord | null
  /** Watchlist entry, when kind is WATCHLIST. */
  watchlist: WatchlistEntry | null
  /** IOSS registry entry, when kind is IOSS. */
  iossRegistry: IossRegistryEntry | null
  /** Commodity code profile, when kind is HS_CODE. */
  hsCode: HsCodeProfile | null
  /** Route profile, when kind is ROUTE. */
  route: RouteProfile | null
}

/**
 * SELLER: seller; CONSIGNEE: consignee; AEO: AEO record; WATCHLIST: watchlist; IOSS: iossRegistry; HS_CODE: hsCode;
 * ROUTE: route.
 */
export type ProfileKind = 'SELLER' | 'CONSIGNEE' | 'AEO' | 'WATCHLIST' | 'IOSS' | 'HS_CODE' | 'ROUTE'
/** The symbols of ProfileKind, in schema order. */
export const profileKindSymbols: readonly ProfileKind[] = [
  'SELLER', 'CONSIGNEE', 'AEO', 'WATCHLIST', 'IOSS', 'HS_CODE', 'ROUTE'
]

/** What is known about a seller. */
export interface SellerProfile {
  /** Seller identifier, as in ParcelDeclaration.sellerId. */
  sellerId: string
  /** Marketplace the seller sells on, when any. */
  platformId: string | null
  /** ISO 3166-1 alpha-2 country of establishment of the seller. */
  country: string | null
  /** When the seller first appeared (account establishment or first declaration), milliseconds since the Unix epoch. */
  firstSeenAt: number
  /** True when the seller is a verified known consignor. */
  knownConsignor: boolean
  /** Number of confirmed violations (seizures, revenue findings) on record. */
  violationCount: number
  /** When the latest violation was confirmed, milliseconds since the Unix epoch. */
  lastViolationAt: number | null
  /** Analyst flags, e.g. counterfeit-history; rules may test membership. */
  flags: string[]
  /**
   * Custom attributes a ruleset declares (ruleset.yaml attributes.seller), by name, as text: numbers in decimal,
   * booleans true or false, timestamps in milliseconds since the Unix epoch; rules read them as
   * enrichment.seller.attributes.<name>.
   */
  attributes: Record<string, string>
}

/** What is known about a consignee. */
export interface ConsigneeProfile {
  /**
   * Consignee key: the EORI when declared, otherwise the normalised name and address key the enrichment stage computes.
   */
  consigneeKey: string
  /** When the consignee first appeared, milliseconds since the Unix epoch. */
  firstSeenAt: number
  /** Number of confirmed violations on record. */
  violationCount: number
  /** When the latest violation was confirmed, milliseconds since the Unix epoch. */
  lastViolationAt: number | null
  /** Analyst flags, e.g. reshipper-address. */
  flags: string[]
  /**
   * Custom attributes a ruleset declares (ruleset.yaml attributes.consignee), by name, as text: numbers in decimal,
   * booleans true or false, timestamps in milliseconds since the Unix epoch; rules read them as
   * enrichment.consignee.attributes.<name>.
   */
  attributes: Record<string, string>
}

/**
 * An Authorised Economic Operator record as exchanged under a mutual recognition arrangement: operator name, address,
 * status, authorisation date, suspensions and revocations, unique id.
 */
export interface AeoRecord {
  /** Unique id of the operator in its scheme (EORI, C-TPAT account number, MID, TIN). */
  id: string
  /** Scheme of id. */
  idScheme: AeoIdScheme
  /** Name of the operator. */
  operatorName: string
  /** Trusted-trader programme. */
  programme: AeoProgramme
  /** Current status. */
  status: AeoStatus
  /** Validation or authorisation date, milliseconds since the Unix epoch. */
  authorisedAt: number
  /** Start of the current suspension or the revocation, milliseconds since the Unix epoch. */
  suspendedAt: number | null
  /** ISO 3166-1 alpha-2 code of the administration that issued the authorisation. */
  issuingCountry: string
  /**
   * ISO 3166-1 alpha-2 codes (EU for the Union) of the administrations that recognise this authorisation under an MRA.
   */
  mraPartners: string[]
}

/** EORI, CTPAT (C-TPAT account number), MID (US manufacturer id), TIN (WCO TIN format), OTHER. */
export type AeoIdScheme = 'EORI' | 'CTPAT' | 'MID' | 'TIN' | 'OTHER'
/** The symbols of AeoIdScheme, in schema order. */
export const aeoIdSchemeSymbols: readonly AeoIdScheme[] = ['EORI', 'CTPAT', 'MID', 'TIN', 'OTHER']

/**
 * AEOS (security and safety), AEOF (full), AEOC (customs simplifications; no MRA benefit), CTPAT, OTHER (another
 * national programme).
 */
export type AeoProgramme = 'AEOS' | 'AEOF' | 'AEOC' | 'CTPAT' | 'OTHER'
/** The symbols of AeoProgramme, in schema order. */
export const aeoProgrammeSymbols: readonly AeoProgramme[] = ['AEOS', 'AEOF', 'AEOC', 'CTPAT', 'OTHER']

/** ACTIVE, SUSPENDED or REVOKED. */
export type AeoStatus = 'ACTIVE' | 'SUSPENDED' | 'REVOKED'
/** The symbols of AeoStatus, in schema order. */
export const aeoStatusSymbols: readonly AeoStatus[] = ['ACTIVE', 'SUSPENDED', 'REVOKED']

/** Adds an entry to, or removes it from, a named watchlist. */
export interface WatchlistEntry {
  /** Name of the watchlist, as referenced by rules, e.g. dnl-parties. */
  listId: string
  /** Add or remove. */
  op: WatchlistOp
  /** What the value identifies. */
  entityType: WatchlistEntityType
  /** The listed value, normalised by the producer (upper case, single spaces). */
  value: string
  /** Why the entry is listed (intelligence reference, sanctions regime). */
  reason: string | null
  /** When the entry stops applying, milliseconds since the Unix epoch; null for no expiry. */
  expiresAt: number | null
}

/** ADD or REMOVE the entry. */
export type WatchlistOp = 'ADD' | 'REMOVE'
/** The symbols of WatchlistOp, in schema order. */
export const watchlistOpSymbols: readonly WatchlistOp[] = ['ADD', 'REMOVE']

/** PARTY_NAME, ADDRESS, EORI, SELLER_ID, IOSS, PHONE, EMAIL, OTHER. */
export type WatchlistEntityType = 'PARTY_NAME' | 'ADDRESS' | 'EORI' | 'SELLER_ID' | 'IOSS' | 'PHONE' | 'EMAIL' | 'OTHER'
/** The symbols of WatchlistEntityType, in schema order. */
export const watchlistEntityTypeSymbols: readonly WatchlistEntityType[] = [
  'PARTY_NAME', 'ADDRESS', 'EORI', 'SELLER_ID', 'IOSS', 'PHONE', 'EMAIL', 'OTHER'
]

/** State of one IOSS number in the registry, and the seller it belongs to. */
export interface IossRegistryEntry {
  /** The IOSS number, IM followed by 10 digits. */
  iossNumber: string
  /** True when the number is currently registered and valid. */
  valid: boolean
  /** sellerId of the seller the number is registered to; declarations from another seller using it are suspicious. */
  sellerId: string | null
  /** Marketplace the number is registered to, when it is a platform's number. */
  platformId: string | null
}

/**
 * What a tariff or targeting team knows about a commodity code: custom attributes rules read per item
 * (item.attributes.<name>). An item takes each attribute from the most specific code that carries it: its own code,
 * then its 8-, 6-, 4- and 2-digit prefixes.
 */
export interface HsCodeProfile {
  /**
   * The code, 2 to 10 digits without dots or spaces: a chapter (61), heading (6109), subheading (610910) or national
   * code.
   */
  hsCode: string
  /**
   * Custom attributes a ruleset declares (ruleset.yaml attributes.hsCode), by name, as text: numbers in decimal,
   * booleans true or false, timestamps in milliseconds since the Unix epoch.
   */
  attributes: Record<string, string>
}

/**
 * What is known about a route: goods dispatched from one country to another. Rules read its custom attributes as
 * enrichment.route.attributes.<name>.
 */
export interface RouteProfile {
  /** ISO 3166-1 alpha-2 country of dispatch, as ParcelDeclaration.originCountry. */
  originCountry: string
  /** ISO 3166-1 alpha-2 country of destination, as ParcelDeclaration.destinationCountry. */
  destinationCountry: string
  /**
   * Custom attributes a ruleset declares (ruleset.yaml attributes.route), by name, as text: numbers in decimal,
   * booleans true or false, timestamps in milliseconds since the Unix epoch.
   */
  attributes: Record<string, string>
}

/**
 * The risk decision for one version of a parcel declaration: release or hold, the action, the score and every reason
 * behind it, with enough provenance (ruleset digest, input digest, timings) to audit and replay it. Keyed by
 * declarationId. Evolution is BACKWARD: every new field is optional (a union with null, default null).
 */
export interface RiskDecision {
  /** declarationId of the declaration decided on. */
  declarationId: string
  /** version of the declaration decided on; a consumer keeps the decision with the highest version. */
  version: number
  /** Release or hold. */
  decision: Decision
  /** What the targeting centre, carrier or filer has to do. */
  action: Action
  /** Risk score from 0 (no risk indicator) to 100, after any trusted-trader discount on the indicator part. */
  score: number
  /** Every rule that fired, gates first, then indicators by descending contribution. */
  reasons: Reason[]
  /** Ids of the gate rules that fired. */
  gates: string[]
  /** Ids of the rules that failed at run time; any entry forces a HOLD (fail closed). */
  errors: string[]
  /**
   * True when a would-be release was turned into a hold by seeded random selection (deterministic per declarationId).
   */
  randomSelection: boolean
  /** The ruleset that produced the decision. */
  ruleset: RulesetRef
  /** Whether profile enrichment was complete. */
  enrichment: EnrichmentReport
  /** For action REJECT_DATA: every problem found in the declaration; empty otherwise. */
  rejections: DataRejection[]
  /** When the declaration was received and decided. */
  timings: Timings
  /** Lower-case hex SHA-256 of the declaration record's value bytes exactly as consumed, for audit. */
  inputDigest: string
}

/** RELEASE: the parcel may go (possibly with post-audit); HOLD: it waits for an action to be resolved. */
export type Decision = 'RELEASE' | 'HOLD'
/** The symbols of Decision, in schema order. */
export const decisionSymbols: readonly Decision[] = ['RELEASE', 'HOLD']

/**
 * RELEASE (green lane, ICS2 assessment complete); RELEASE_POST_AUDIT (blue lane); REQUEST_INFO (yellow lane, ICS2 RFI);
 * SCREEN_NII (X-ray, ICS2 RFS/HRCM); PHYSICAL_EXAM (red lane); DO_NOT_LOAD (ICS2/ACAS DNL); REJECT_DATA (invalid
 * declaration, see rejections); REDIRECT_FULL_DECLARATION (not eligible for a simplified declaration, e.g. EU H1
 * instead of H7).
 */
export type Action =
  | 'RELEASE'
  | 'RELEASE_POST_AUDIT'
  | 'REQUEST_INFO'
  | 'SCREEN_NII'
  | 'PHYSICAL_EXAM'
  | 'DO_NOT_LOAD'
  | 'REJECT_DATA'
  | 'REDIRECT_FULL_DECLARATION'
/** The symbols of Action, in schema order. */
export const actionSymbols: readonly Action[] = [
  'RELEASE', 'RELEASE_POST_AUDIT', 'REQUEST_INFO', 'SCREEN_NII', 'PHYSICAL_EXAM', 'DO_NOT_LOAD', 'REJECT_DATA',
  'REDIRECT_FULL_DECLARATION'
]

/** One rule that fired and why. */
export interface Reason {
  /** Identifier of the rule in the ruleset. */
  ruleId: string
  /** Human-readable title of the rule. */
  title: string
  /** Tier of the rule. */
  tier: RuleTier
  /** Points this rule added to the score (negative for a discount such as AEO status; 0 for a gate). */
  contribution: number
  /** The input values that made the rule fire, in the order the rule reads them. */
  values: ReasonValue[]
}

/**
 * GATE: decides on its own and is never offset by the score or trusted-trader status; INDICATOR: adds its weight to the
 * score.
 */
export type RuleTier = 'GATE' | 'INDICATOR'
/** The symbols of RuleTier, in schema order. */
export const ruleTierSymbols: readonly RuleTier[] = ['GATE', 'INDICATOR']

/** One named input value, rendered as text. */
export interface ReasonValue {
  /** Field path or derived value name, e.g. items[0].hsCode or valuePerKg. */
  name: string
  /** The value as text, e.g. 854231. */
  value: string
}

/** Identity of a compiled ruleset. */
export interface RulesetRef {
  /** Ruleset id from its manifest, e.g. eu-h7. */
  id: string
  /** Ruleset version from its manifest. */
  version: string
  /** Lower-case hex SHA-256 over the ruleset files, so a replay can prove which rules ran. */
  digest: string
}

/** Outcome of the enrichment stage for this declaration. */
export interface EnrichmentReport {
  /** Overall status. */
  status: EnrichmentStatus
  /**
   * Names of the enrichment values that could not be read, e.g. seller, consigneeAggValue24h; empty when status is OK.
   */
  missing: string[]
}

/**
 * OK: every profile read answered; DEGRADED: the profile store was slow or down and the configured fallback applied.
 */
export type EnrichmentStatus = 'OK' | 'DEGRADED'
/** The symbols of EnrichmentStatus, in schema order. */
export const enrichmentStatusSymbols: readonly EnrichmentStatus[] = ['OK', 'DEGRADED']

/** One problem in the declaration data. */
export interface DataRejection {
  /** Error code from the catalogue, e.g. E_VALIDATE_HS_CODE. */
  code: string
  /** Path of the offending field, e.g. items[2].hsCode; empty for the whole declaration. */
  path: string
  /** Human-readable explanation. */
  message: string
}

/** Processing timestamps. */
export interface Timings {
  /** Kafka timestamp of the consumed declaration record, milliseconds since the Unix epoch (UTC). */
  receivedAt: number
  /** When the decision was made, milliseconds since the Unix epoch (UTC). */
  decidedAt: number
  /** Processing time inside parcel-risk from fetch to decision, in microseconds. */
  latencyMicros: number
}
