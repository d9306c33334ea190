// The functions the rule language offers, with their signatures. The checker enforces
// arity and argument types from this table; codegen.ts emits each call.

export type ArgKind =
  | 'string'      // a string value
  | 'number'      // a number
  | 'numeric'     // number or money (result follows the argument)
  | 'timestamp'
  | 'sized'       // string, array field: something with a length
  | 'literal'     // a string literal (patterns, substrings known at compile time)
  | 'wordOrList'  // a string literal or a set list (@stopWords)
  | 'prefixList'  // a set list or a list literal of strings
  | 'path'        // a field path (exists)

export type ResultKind = 'string' | 'number' | 'boolean' | 'numericOfArg'

export interface Signature {
  readonly args: readonly ArgKind[]
  readonly result: ResultKind
  readonly doc: string
}

export const functions: ReadonlyMap<string, Signature> = new Map<string, Signature>([
  ['lower', { args: ['string'], result: 'string', doc: 'lower(s): s in lower case' }],
  ['upper', { args: ['string'], result: 'string', doc: 'upper(s): s in upper case' }],
  ['length', { args: ['sized'], result: 'number', doc: 'length(s | list): characters or elements' }],
  ['left', { args: ['string', 'number'], result: 'string', doc: 'left(s, n): the first n characters of s' }],
  ['contains', { args: ['string', 'literal'], result: 'boolean', doc: 'contains(s, "sub"): s contains sub' }],
  ['startsWith', { args: ['string', 'literal'], result: 'boolean', doc: 'startsWith(s, "prefix")' }],
  ['startsWithAny', { args: ['string', 'prefixList'], result: 'boolean', doc: 'startsWithAny(s, @prefixes)' }],
  ['containsWord', {
    args: ['string', 'wordOrList'],
    result: 'boolean',
    doc: 'containsWord(s, "word" | @words): whole words, any case'
  }],
  ['matches', {
    args: ['string', 'literal'],
    result: 'boolean',
    doc: 'matches(s, "regex"): regular expression on the linear-time engine'
  }],
  ['exists', { args: ['path'], result: 'boolean', doc: 'exists(path): the value is present' }],
  ['daysSince', { args: ['timestamp'], result: 'number', doc: 'daysSince(t): days from t to the decision time' }],
  ['min', { args: ['numeric', 'numeric'], result: 'numericOfArg', doc: 'min(a, b)' }],
  ['max', { args: ['numeric', 'numeric'], result: 'numericOfArg', doc: 'max(a, b)' }],
  ['abs', { args: ['numeric'], result: 'numericOfArg', doc: 'abs(a)' }]
])
