// Prohibitions and restrictions (P&R) are never relieved by a score or by trusted-trader
// status: AEO and MRA facilitation apply to the risk assessment of compliant trade, not to
// goods the law bans or subjects to a licence. The rule language lets an analyst say so with
// a tag, and this check makes the wrong thing impossible to write: a rule tagged
// `prohibition` or `restriction` must be a gate whose action holds the parcel. As an
// indicator, any mitigation could subtract its points; as a gate that releases, it would
// release. Both are refused at `rules check`, naming the mitigations that could offset it.

import { decisionOf } from '../actions.ts'
import type { RuleDef } from './files.ts'
import type { Problems } from './yaml-source.ts'

export const PR_TAGS: readonly string[] = ['prohibition', 'restriction']

export const isProhibitionOrRestriction = (rule: Pick<RuleDef, 'tags'>): boolean =>
  rule.tags.some((t) => PR_TAGS.includes(t))

export const checkProhibitions = (rules: Iterable<RuleDef>, problems: Problems): void => {
  const all = [...rules]
  const mitigations = all.filter((r) => r.tier === 'mitigation' && !isProhibitionOrRestriction(r)).map((r) => r.id)
  const offsetBy = mitigations.length === 0
    ? 'any mitigation added later could offset it'
    : `${mitigations.length === 1 ? 'mitigation' : 'mitigations'} ${mitigations.join(', ')} could offset it`
  for (const r of all) {
    if (!isProhibitionOrRestriction(r)) continue
    const tag = r.tags.find((t) => PR_TAGS.includes(t)) as string
    if (r.tier === 'mitigation') {
      problems.add(r.file, r.pos, 'prohibition',
        `rule ${r.id} is tagged \`${tag}\` but is a mitigation: nothing may relieve a prohibition or restriction`)
    } else if (r.tier === 'indicator') {
      problems.add(r.file, r.pos, 'prohibition', `rule ${r.id} is tagged \`${tag}\` but is an indicator: ${offsetBy}`,
        'make it a gate with an action that holds the parcel (REQUEST_INFO or stricter), ' +
        'or drop the tag if it is only a risk signal')
    } else if (r.action !== null && decisionOf(r.action) === 'RELEASE') {
      problems.add(r.file, r.pos, 'prohibition',
        `rule ${r.id} is tagged \`${tag}\` but its action ${r.action} releases the parcel`,
        'a prohibition or restriction gate must hold the parcel')
    }
  }
}
