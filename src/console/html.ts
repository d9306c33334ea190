// HTML output, escaped by construction. Every page is built with the `html` tag: an
// interpolated value is escaped (& < > " ' and backtick) unless it is itself the result of
// `html` (a Safe), so text from a declaration, a reason value or an officer's note can never
// become markup. There is no other way to put text into a page.
const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;'
}

export const escapeHtml = (text: string): string => text.replace(/[&<>"'`]/g, (c) => ESCAPES[c] ?? c)

/** Markup that is already safe: made only by `html` and `raw` below. */
export class Safe {
  readonly text: string
  constructor (text: string) { this.text = text }
  toString (): string { return this.text }
}

type Part = Safe | string | number | boolean | null | undefined | readonly Part[]

const render = (value: Part): string => {
  if (value === null || value === undefined || value === false) return ''
  if (value instanceof Safe) return value.text
  if (Array.isArray(value)) return (value as readonly Part[]).map(render).join('')
  return escapeHtml(String(value))
}

export const html = (strings: TemplateStringsArray, ...values: Part[]): Safe => {
  let out = strings[0] ?? ''
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '')
  })
  return new Safe(out)
}

/** For markup built here from numbers only (the SVG trend paths); never for input text. */
export const trusted = (markup: string): Safe => new Safe(markup)
