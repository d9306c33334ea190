// The largest declaration the validation stage lets through to scoring, in the form the
// rule engine's cost check takes (src/engine/cost.ts): the longest value of each string
// field and the most elements of each array. Fields with a fixed format are as long as the
// format; the enrichment record's strings (hashes, enumerations) stay short, and the default
// covers them.

import type { InputBounds } from './cost.ts'
import { codeTextMax } from '../validate/fields.ts'
import { maxLength } from '../validate/limits.ts'
import type { ValidationLimits } from '../validate/limits.ts'

export const inputBounds = (limits: ValidationLimits): InputBounds => Object.freeze({
  strings: Object.freeze({
    // By field name: parties, addresses, identifiers, items (limits.ts).
    ...maxLength,
    // Fixed formats (validate.ts, formats.ts).
    country: 2, destinationCountry: 2, originCountry: 2, route: 2, currency: 3,
    hsCode: 10, iossNumber: 12, postalItemId: 13,
    declarationId: maxLength.id, houseTransportDocId: maxLength.id, masterTransportDocId: maxLength.id,
    platformId: maxLength.sellerId
  }),
  defaultString: codeTextMax,
  arrays: Object.freeze({ items: limits.maxItems, route: limits.maxRouteLength }),
  defaultArray: limits.maxItems
})
