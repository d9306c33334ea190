// The console in a real headless Chromium against the real stack: the processor holds
// parcels of a generated stream, an officer finds one seconds later in the queue, claims it,
// records its outcome (published to the outcomes topic, audited on the audit topic), and the
// rule performance page counts it once the outcome loop has read it back; a viewer cannot
// record; forms without the CSRF token are refused; an admin manages users on the Users page
// (every change audited, a disabled user's session ends); repeated failed sign-ins lock a name
// out with a clear message. Screenshots of every page go to
// build/screenshots/ (README: The web console shows a few of them).
import type { ChildProcess } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { ParcelDeclaration } from '../../src/declaration.ts'
import { generateDeclarations } from '../../src/generate/stream.ts'
import type { AuditRecord } from '../../src/console/publisher.ts'
import {
  loadReferenceData, produceDeclarations, scenario, startRun, waitUntil, type Running, type Scenario
} from '../integration/processor/harness.ts'
import { addUser, consoleEnv, launchChromium, readJsonTopic, signIn, startChild, stopChildren } from './stack.ts'

const services = inject('services')
const shots = new URL('../../build/screenshots/', import.meta.url).pathname
const OFFICER = { name: 'officer', password: 'officer-password-it' }
const VIEWER = { name: 'viewer', password: 'viewer-password-it' }
const ADMIN = { name: 'admin', password: 'admin-password-it' }
const GUESSED = { name: 'guessed', password: 'guessed-password-it' }
const SEED = 15

const children: ChildProcess[] = []
let s: Scenario
let env: NodeJS.ProcessEnv
let processor: Running
let base: string
let browser: Browser

const shot = async (page: Page, name: string): Promise<void> => {
  await page.screenshot({ path: `${shots}${name}.png`, fullPage: false })
}

/** The queue's rows, reloading until there is one (or the time is up). */
const firstQueued = async (page: Page, timeoutMs: number): Promise<string> => {
  let id = ''
  await waitUntil('a held parcel in the queue', async () => {
    await page.goto(new URL('/queue', base).href)
    id = await page.locator('#queue tbody tr').first().getAttribute('data-id', { timeout: 500 }) ?? ''
    return id !== ''
  }, timeoutMs)
  return id
}

/** POSTs a form body with the page's cookies (the pages' CSP allows no fetch from inside). */
const post = async (page: Page, path: string, fields: Record<string, string>): Promise<number> =>
  (await page.request.post(new URL(path, base).href, { form: fields, maxRedirects: 0 })).status()

/** Submits the sign-in form and returns the answer's status, whatever page follows. */
const trySignIn = async (page: Page, user: string, password: string): Promise<number> => {
  await page.goto(new URL('/login', base).href)
  await page.fill('input[name=user]', user)
  await page.fill('input[name=password]', password)
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.click('#login button')
  ])
  await page.waitForLoadState()
  return answer.status()
}

const csrfOf = async (page: Page): Promise<string> => await page.locator('input[name=_csrf]').first().inputValue()

beforeAll(async () => {
  mkdirSync(shots, { recursive: true })
  s = scenario(services)
  env = consoleEnv(s)
  await loadReferenceData(services, s, SEED)
  await addUser(env, OFFICER.name, 'officer', OFFICER.password)
  await addUser(env, VIEWER.name, 'viewer', VIEWER.password)
  await addUser(env, ADMIN.name, 'admin', ADMIN.password)
  await addUser(env, GUESSED.name, 'analyst', GUESSED.password)
  await startChild(env, ['outcomes'], /"msg":"outcomes running"/, children)
  base = (await startChild(env, ['console'], /"url":"(http:\/\/[^"]+)","msg":"console running"/, children))[1] as string
  processor = startRun(s, 'browser', env)
  children.push(processor.child)
  await processor.ready
  browser = await launchChromium()
}, 180_000)

afterAll(async () => {
  await browser?.close()
  await stopChildren(children)
})

describe('console > in a real browser against the real stack', () => {
  it('an officer finds a parcel held seconds ago, records its outcome, and rule performance counts it', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage()
    await signIn(page, base, OFFICER.name, OFFICER.password)
    expect(new URL(page.url()).pathname).toBe('/queue')

    const startMs = Date.now() - 3_600_000
    const declarations: ParcelDeclaration[] = []
    for (const g of generateDeclarations({ seed: SEED, startMs })) {
      if (declarations.length >= 200) break
      declarations.push(g.declaration)
    }
    await produceDeclarations(services, s, declarations)
    const id = await firstQueued(page, 90_000)
    await shot(page, 'queue')

    await page.click(`#queue tr[data-id="${id}"] a`)
    await expect.poll(async () => await page.locator('#reasons tbody tr').count()).toBeGreaterThan(0)
    const rule = (await page.locator('#reasons tbody tr b').first().textContent()) ?? ''
    expect(rule).not.toBe('')
    await page.click('form[action$="/claim"] button')
    await expect.poll(async () => await page.locator('[role=status]').textContent()).toContain('Claimed')
    await page.selectOption('select[name=result]', 'SEIZED')
    await page.selectOption('select[name=method]', 'NII')
    await page.selectOption('select[name=nii]', 'ANOMALY')
    await page.fill('input[name=image]', 'UFF-IT-0001')
    await shot(page, 'parcel')
    await page.click('#outcome-form button')
    await expect.poll(async () => await page.locator('[role=status]').textContent()).toContain('Outcome recorded')

    // The outcome comes back through the topic: the parcel leaves the queue, the loop counts it.
    await waitUntil('the parcel marked controlled', async () => {
      await page.reload()
      return (await page.locator('#status').textContent()) === 'controlled'
    }, 60_000)
    expect(await page.locator('#outcomes').textContent()).toContain('NII ANOMALY')
    await waitUntil(`rule ${rule} counted with a control`, async () => {
      await page.goto(new URL('/rules', base).href)
      const controls = await page.locator(`tr[data-rule="${rule}"] td`).nth(3).textContent({ timeout: 500 })
      return Number(controls) >= 1
    }, 90_000)
    await shot(page, 'rules')

    const audit = await readJsonTopic<AuditRecord>(services, `it-${s.id}-audit`,
      (rs) => rs.some((r) => r.action === 'record-outcome' && r.declarationId === id), 30_000)
    expect(audit.filter((r) => r.declarationId === id).map((r) => [r.user, r.action]))
      .toEqual([['officer', 'claim'], ['officer', 'record-outcome']])

    await page.goto(base)
    await expect.poll(async () => Number(await page.locator('#queued b').textContent())).toBeGreaterThan(0)
    await shot(page, 'overview')
    await page.goto(new URL('/shadow', base).href)
    await shot(page, 'shadow')
  })

  it('a viewer sees no outcome form and no personal data, and is refused when posting an outcome', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage()
    await signIn(page, base, VIEWER.name, VIEWER.password)
    const id = await firstQueued(page, 30_000)
    await page.goto(new URL(`/parcel/${encodeURIComponent(id)}`, base).href)
    expect(await page.locator('#outcome-form').count()).toBe(0)
    expect(await page.locator('form[action$="/claim"]').count()).toBe(0)
    expect(await page.content()).toContain('•••')
    const status = await post(page, `/parcel/${encodeURIComponent(id)}/outcome`, {
      _csrf: await csrfOf(page), version: '1', result: 'NO_FINDING', method: 'PHYSICAL'
    })
    expect(status).toBe(403)
  })

  it('refuses a form posted without the CSRF token, or with a wrong one', async () => {
    const page = await (await browser.newContext()).newPage()
    await signIn(page, base, OFFICER.name, OFFICER.password)
    const id = await firstQueued(page, 30_000)
    // The page's own claim form, its token taken out, submitted by the browser.
    const form = `#queue tr[data-id="${id}"] form[action$="/claim"]`
    await page.locator(`${form} input[name=_csrf]`).evaluate((input) => {
      input.remove()
    })
    const [refused] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.click(`${form} button`)
    ])
    expect(refused.status()).toBe(403)
    expect(await page.textContent('body')).toContain('CSRF token missing or wrong')
    await page.goto(new URL('/queue', base).href)
    expect(await post(page, `/parcel/${encodeURIComponent(id)}/claim`, { back: '/queue' })).toBe(403)
    expect(await post(page, `/parcel/${encodeURIComponent(id)}/claim`, { _csrf: 'x'.repeat(43), back: '/queue' }))
      .toBe(403)
    expect(await post(page, '/logout', {})).toBe(403)
    expect(await page.locator(`#queue tr[data-id="${id}"] form[action$="/claim"]`).count()).toBe(1)
    const anonymous = await (await browser.newContext()).newPage()
    await anonymous.goto(new URL('/login', base).href)
    expect(await post(anonymous, '/login', { user: OFFICER.name, password: OFFICER.password })).toBe(403)
  })

  it('lets an admin add a user, change their role and disable them on the Users page; ' +
    'the user\'s session ends and every change is audited', async () => {
    const admin = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage()
    await signIn(admin, base, ADMIN.name, ADMIN.password)
    await admin.click('header a[href="/admin/users"]')
    await admin.fill('#add-user input[name=name]', 'newcomer')
    await admin.selectOption('#add-user select[name=role]', 'viewer')
    await admin.fill('#add-user input[name=password]', 'newcomer-password-it')
    await admin.click('#add-user button')
    await expect.poll(async () => await admin.locator('[role=status]').textContent()).toContain('User added')
    expect(await admin.locator('tr[data-user="newcomer"] .status').textContent()).toBe('active')

    const newcomer = await (await browser.newContext()).newPage()
    await signIn(newcomer, base, 'newcomer', 'newcomer-password-it')
    expect(await newcomer.locator('header .who').textContent()).toContain('newcomer (viewer)')
    expect(await newcomer.locator('header a[href="/admin/users"]').count()).toBe(0)

    await admin.selectOption('tr[data-user="newcomer"] select[name=role]', 'officer')
    await admin.click('tr[data-user="newcomer"] form[action$="/role"] button')
    await expect.poll(async () => await admin.locator('[role=status]').textContent()).toContain('Role changed')
    await newcomer.reload()
    expect(await newcomer.locator('header .who').textContent()).toContain('newcomer (officer)')

    await admin.click('tr[data-user="newcomer"] form[action$="/disable"] button')
    await expect.poll(async () => await admin.locator('[role=status]').textContent()).toContain('User disabled')
    expect(await admin.locator('tr[data-user="newcomer"] .status').textContent()).toBe('disabled')
    await shot(admin, 'users')
    await newcomer.reload()
    expect(new URL(newcomer.url()).pathname).toBe('/login')
    expect(await trySignIn(newcomer, 'newcomer', 'newcomer-password-it')).toBe(401)

    // Records are keyed by user, so they sit in different partitions: wait for each kind.
    const byCli = (rs: readonly AuditRecord[]): string[] =>
      rs.filter((r) => r.role === 'cli' && r.action === 'user-added').map((r) => String(r.detail.target))
    const audit = await readJsonTopic<AuditRecord>(services, `it-${s.id}-audit`,
      (rs) => rs.some((r) => r.action === 'user-disabled') &&
        [OFFICER.name, VIEWER.name, ADMIN.name].every((n) => byCli(rs).includes(n)),
      30_000)
    const byAdmin = audit.filter((r) => r.user === ADMIN.name && r.action.startsWith('user-'))
    expect(byAdmin.map((r) => [r.action, r.detail.target])).toEqual([
      ['user-added', 'newcomer'], ['user-role-changed', 'newcomer'], ['user-disabled', 'newcomer']
    ])
    // `parcel-risk console user add` is audited too.
    expect(byCli(audit)).toEqual(expect.arrayContaining([OFFICER.name, VIEWER.name, ADMIN.name]))
  })

  it('locks a user name out after repeated failed sign-ins, with a clear message, ' +
    'the right password included', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage()
    expect(await trySignIn(page, GUESSED.name, 'not-the-password')).toBe(401)
    expect(await page.locator('[role=status]').textContent()).toBe('Unknown user or wrong password.')
    expect(await trySignIn(page, GUESSED.name, 'not-the-password')).toBe(401)
    expect(await trySignIn(page, GUESSED.name, 'not-the-password')).toBe(429)
    expect(await page.locator('[role=status]').textContent()).toContain('Too many failed sign-ins')
    expect(await trySignIn(page, GUESSED.name, GUESSED.password)).toBe(429)
    expect(await page.locator('[role=status]').textContent()).toContain('Too many failed sign-ins')
    await shot(page, 'sign-in-locked')
    // Another name from the same browser is not locked by it.
    await signIn(page, base, VIEWER.name, VIEWER.password)
    expect(new URL(page.url()).pathname).toBe('/')
  })
})
