import avsc from 'avsc'
import { describe, expect, it } from 'vitest'
import { formatPath, fromJsonValue, MAX_DEPTH, parseJson } from './json-input.ts'

const LIMIT = 1024
const parse = (text: string | Buffer): string => {
  const result = parseJson(Buffer.isBuffer(text) ? text : Buffer.from(text), LIMIT)
  return result.ok ? 'ok' : result.error.code
}

describe('codec > json input > parse', () => {
  it.each([
    ['an object', '{"a":1,"b":[true,null,"x"]}', 'ok'],
    ['text of exactly the limit', `"${'x'.repeat(LIMIT - 2)}"`, 'ok'],
    ['text over the limit', `"${'x'.repeat(LIMIT - 1)}"`, 'E_DECODE_TOO_LARGE'],
    ['invalid UTF-8', Buffer.from([0x22, 0xc3, 0x28, 0x22]), 'E_DECODE_NOT_UTF8'],
    ['an unpaired surrogate encoded as UTF-8 bytes', Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]), 'E_DECODE_NOT_UTF8'],
    ['empty text', '', 'E_DECODE_JSON_SYNTAX'],
    ['a trailing comma', '{"a":1,}', 'E_DECODE_JSON_SYNTAX'],
    ['NaN', '{"a":NaN}', 'E_DECODE_JSON_SYNTAX'],
    ['a number that overflows to Infinity', '{"a":[1,-1e999]}', 'E_DECODE_JSON_NUMBER'],
    ['__proto__ at the top', '{"__proto__":{"x":1}}', 'E_DECODE_FORBIDDEN_KEY'],
    ['an escaped __proto__', '{"a":{"\\u005f_proto__":1}}', 'E_DECODE_FORBIDDEN_KEY'],
    ['constructor inside an array', '{"a":[{"constructor":1}]}', 'E_DECODE_FORBIDDEN_KEY'],
    ['prototype', '{"prototype":null}', 'E_DECODE_FORBIDDEN_KEY'],
    [`nesting of ${MAX_DEPTH} levels`, `${'['.repeat(MAX_DEPTH)}${']'.repeat(MAX_DEPTH)}`, 'ok'],
    [
      `nesting of ${MAX_DEPTH + 1} levels`, `${'['.repeat(MAX_DEPTH + 1)}${']'.repeat(MAX_DEPTH + 1)}`,
      'E_DECODE_JSON_SYNTAX'
    ]
  ])('%s → %s', (_name, text, expected) => {
    expect(parse(text)).toBe(expected)
  })

  it('reports where a forbidden key sits', () => {
    const result = parseJson(Buffer.from('{"items":[{"a":1},{"b":{"constructor":2}}]}'), LIMIT)
    expect(result.ok ? '' : result.error.path).toBe('items[1].b.constructor')
  })

  it('never sets a prototype while parsing', () => {
    const result = parseJson(Buffer.from('{"x":{"__proto__":{"polluted":1}}}'), LIMIT)
    expect(result.ok).toBe(false)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})

describe('codec > json input > schema', () => {
  const type = avsc.Type.forSchema({
    type: 'record', name: 'T', fields: [
      { name: 'id', type: 'string' },
      { name: 'n', type: 'int' },
      { name: 'tags', type: { type: 'array', items: 'string' }, default: [] },
      { name: 'note', type: ['null', 'string'], default: null },
      {
        name: 'lines',
        type: { type: 'array', items: { type: 'record', name: 'L', fields: [{ name: 'q', type: 'double' }] } }
      }
    ]
  })

  it('fills defaults, drops unknown fields and returns the Avro record class', () => {
    const result = fromJsonValue<Record<string, unknown>>(type, { id: 'a', n: 1, lines: [{ q: 2 }], extra: true })
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.value).toEqual({ id: 'a', n: 1, tags: [], note: null, lines: [{ q: 2 }] })
    expect(result.value.constructor).toBe(type.fromBuffer(type.toBuffer(result.value)).constructor)
  })

  it.each([
    [{ n: 1, lines: [] }, 'id'],
    [{ id: 'a', n: 1.5, lines: [] }, 'n'],
    [{ id: 'a', n: 2 ** 31, lines: [] }, 'n'],
    [{ id: 'a', n: 1, lines: [{ q: '1' }] }, 'lines[0].q'],
    [{ id: 'a', n: 1, lines: [], note: { string: 'x' } }, 'note'],
    [[], ''],
    ['text', '']
  ])('rejects %j at path "%s"', (value, path) => {
    const result = fromJsonValue(type, value)
    expect(result.ok ? 'ok' : result.error.code).toBe('E_DECODE_SCHEMA_MISMATCH')
    expect(result.ok ? undefined : result.error.path).toBe(path)
  })

  it.each([
    ['a list', { name: 'Erika Mustermann', email: ['erika@example.com'] }, 'email: a list of 1 is not a valid'],
    ['a number', { name: 'Erika Mustermann', email: 4930123456 }, 'email: a number is not a valid'],
    ['a record', { name: { first: 'Erika' }, email: null }, 'name: a record is not a valid']
  ])('names the path and the kind of %s found, never its text', (_case, value, expected) => {
    const contact = avsc.Type.forSchema({
      type: 'record', name: 'Contact',
      fields: [{ name: 'name', type: 'string' }, { name: 'email', type: ['null', 'string'] }]
    })
    const result = fromJsonValue(contact, value)
    const message = result.ok ? '' : result.error.message
    expect(message).toContain(expected)
    for (const personal of ['Erika', 'erika@example.com', '4930123456']) expect(message).not.toContain(personal)
  })

  it.each([
    ['an unquoted e-mail', '{"name":"Erika Mustermann","email":erika.mustermann@example.com}'],
    ['an unquoted phone', '{"name":"Erika Mustermann","phone":+49 30 1234567}'],
    ['a cut-off name', '{"name":"Erika Mustermann']
  ])('reports a syntax error in %s without the text around it', (_case, text) => {
    const result = parseJson(Buffer.from(text), 1_000)
    expect(result.ok ? 'ok' : result.error.code).toBe('E_DECODE_JSON_SYNTAX')
    const message = result.ok ? '' : result.error.message
    for (const personal of ['Erika', 'Mustermann', 'erika', '+49 30']) expect(message).not.toContain(personal)
  })

  it.each([
    [['items', '2', 'hsCode'], 'items[2].hsCode'],
    [['seller', 'address', 'country'], 'seller.address.country'],
    [[], '']
  ])('formats path %j as %s', (parts, expected) => {
    expect(formatPath(parts)).toBe(expected)
  })
})
