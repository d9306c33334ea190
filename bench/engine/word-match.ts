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
