// Whole-word phrase matching with the rule language's definition of a word (a run of letters
// and digits, any case), shared by the hand-written and json-rules-engine versions.

export const WORD = /[\p{L}\p{N}]+/gu

export interface Phrases { readonly set: ReadonlySet<string>, readonly maxWords: number }

export const phrases = (entries: readonly string[]): Phrases => {
  const set = new Set<string>()
  let maxWords = 1
  for (const e of entries) {
    const words = e.toLowerCase().match(WORD)
    if (words === null) continue
    set.add(words.join(' '))
    maxWords = Math.max(maxWords, words.length)
  }
  return { set, maxWords }
}

/** Does the word sequence contain one of the phrases? `words` are lower-cased already. */
export const hasPhrase = (p: Phrases, words: readonly string[]): boolean => {
  for (let i = 0; i < words.length; i++) {
    let phrase = words[i] as string
    if (p.set.has(phrase)) return true
    for (let n = 1; n < p.maxWords && i + n < words.length; n++) {
      phrase += ' ' + (words[i + n] as string)
      if (p.set.has(phrase)) return true
    }
  }
  return false
}

export const wordsOf = (text: string): readonly string[] => text.toLowerCase().match(WORD) ?? []

/**
 * Several word lists scanned in one pass: each text's words are looked up once and the
 * result is a bit mask of the lists that matched (bit i for list i). Phrases are only built
 * from words that start one, since building "w1 w2" strings is the expensive part.
 */
export interface Lexicon { readonly scan: (words: readonly string[]) => number }

export const lexicon = (lists: ReadonlyArray<readonly string[]>): Lexicon => {
  const single = new Map<string, number>()
  const multi = new Map<string, number>()
  const starters = new Set<string>()
  let maxWords = 1
  lists.forEach((entries, i) => {
    const bit = 1 << i
    for (const e of entries) {
      const words = e.toLowerCase().match(WORD)
      if (words === null) continue
      const key = words.join(' ')
      if (words.length === 1) {
        single.set(key, (single.get(key) ?? 0) | bit)
        continue
      }
      multi.set(key, (multi.get(key) ?? 0) | bit)
      starters.add(words[0] as string)
      maxWords = Math.max(maxWords, words.length)
    }
  })
  return {
    scan (words) {
      let mask = 0
      for (let i = 0; i < words.length; i++) {
        let w = words[i] as string
        mask |= single.get(w) ?? 0
        if (!starters.has(w)) continue
        for (let n = 1; n < maxWords && i + n < words.length; n++) {
          w += ' ' + (words[i + n] as string)
          mask |= multi.get(w) ?? 0
        }
      }
      return mask
    }
  }
}
