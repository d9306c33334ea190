import { describe, expect, it } from 'vitest'
import { escapeHtml, html, trusted } from './html.ts'

describe('console > html', () => {
  it.each([
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['" onmouseover="x', '&quot; onmouseover=&quot;x'],
    ["' autofocus '", '&#39; autofocus &#39;'],
    ['a & b', 'a &amp; b'],
    ['`x`', '&#96;x&#96;']
  ])('escapes %s', (input, expected) => {
    expect(escapeHtml(input)).toBe(expected)
    expect(html`<p title="${input}">${input}</p>`.text).toBe(`<p title="${expected}">${expected}</p>`)
  })

  it('keeps markup made by html itself, arrays of it, and drops null, undefined and false', () => {
    const items = ['<a>', 'b'].map((x) => html`<li>${x}</li>`)
    expect(html`<ul>${items}</ul>${null}${undefined}${false}${0}`.text).toBe('<ul><li>&lt;a&gt;</li><li>b</li></ul>0')
  })

  it('writes trusted markup as it is (numbers-only SVG)', () => {
    expect(html`${trusted('<svg/>')}`.text).toBe('<svg/>')
  })
})
