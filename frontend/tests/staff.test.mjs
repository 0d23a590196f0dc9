// The staff area in a real browser: sign in with a password and an
// authenticator code, with JavaScript off and on, and every staff page
// checked by axe-core.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startServer, launchBrowser, accessibilityViolations, addStaff, totp } from './support.mjs'

let server
before(async () => { server = await startServer() })
after(async () => { await server.stop() })

async function check (page, label) {
  const violations = await accessibilityViolations(page)
  assert.deepEqual(violations, [], `${label}: ${JSON.stringify(violations, null, 2)}`)
}

// The enrolment link the demo wrote to its outbox files for `username`.
async function enrolmentLink (dataDir, username) {
  for (let i = 0; i < 100; i++) {
    let files = []
    try { files = readdirSync(join(dataDir, 'outbox')) } catch {}
    for (const file of files) {
      const text = readFileSync(join(dataDir, 'outbox', file), 'utf8')
        .replace(/=\r?\n/g, '').replace(/=3D/g, '=')
      if (!text.includes(`username ${username}`)) continue
      const match = text.match(/\/staff\/enrol\/[A-Za-z0-9_-]+/)
      if (match) return match[0]
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`no enrolment link for ${username}`)
}

async function signIn (page, username, secret) {
  await page.goto(`${server.base}/staff/sign-in`)
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill('a long staff passphrase')
  await page.getByLabel('Code from your authenticator app').fill(totp(secret))
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL(`${server.base}/staff`)
}

for (const javaScriptEnabled of [false, true]) {
  test(`a data protection officer signs in, finds a person and sees what erasure would do, with JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, async () => {
    const username = `dpo-${javaScriptEnabled ? 'js' : 'nojs'}`
    const secret = addStaff(server, username, 'dpo')
    const browser = await launchBrowser({ javaScriptEnabled })
    try {
      const page = await browser.context.newPage()
      await signIn(page, username, secret)
      assert.match(await page.textContent('main'), /You are signed in as/)
      await page.getByRole('link', { name: "People's data" }).first().click()
      await page.getByLabel('Their email address').fill('sam.example@example.com')
      await page.getByRole('button', { name: 'Find' }).click()
      await page.getByRole('heading', { name: 'Data held about this person' }).waitFor()
      assert.match(await page.textContent('main'), /Who can I talk to about changing schools\?/)
      await page.getByRole('button', { name: "Erase this person's data" }).click()
      await page.getByRole('heading', { name: /Are you sure/ }).waitFor()
      await page.getByRole('link', { name: 'Cancel' }).click()
      await page.getByRole('button', { name: /Sign out/ }).click()
      await page.getByText('You have signed out').waitFor()
    } finally {
      await browser.close()
    }
  })
}

test('every staff page has no WCAG 2.2 AA violations', async () => {
  const secret = addStaff(server, 'dpo-axe', 'dpo')
  const browser = await launchBrowser()
  try {
    const page = await browser.context.newPage()
    await page.goto(`${server.base}/staff/sign-in`)
    await check(page, 'sign in')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByText('There is a problem').waitFor()
    assert.match(await page.title(), /^Error: /)
    await check(page, 'sign in with errors')

    await signIn(page, 'dpo-axe', secret)
    await check(page, 'staff home')
    for (const path of ['/staff/audit', '/staff/people', '/staff/retention']) {
      await page.goto(`${server.base}${path}`)
      await check(page, path)
    }
    await page.goto(`${server.base}/staff/people`)
    await page.getByRole('button', { name: 'Find' }).click()
    await page.getByText('There is a problem').waitFor()
    await check(page, 'people search with an error')
    await page.getByLabel('Their email address').fill('sam.example@example.com')
    await page.getByRole('button', { name: 'Find' }).click()
    await page.getByRole('heading', { name: 'Data held about this person' }).waitFor()
    await check(page, 'a person')
    await page.getByRole('button', { name: "Erase this person's data" }).click()
    await page.getByRole('heading', { name: /Are you sure/ }).waitFor()
    await check(page, 'erase: are you sure')
    await page.getByRole('button', { name: 'Erase' }).click()
    await page.getByRole('heading', { name: 'Data erased' }).waitFor()
    await check(page, 'erased')
  } finally {
    await browser.close()
  }
})

test('the administrator pages have no WCAG 2.2 AA violations', async () => {
  const secret = addStaff(server, 'admin-axe', 'admin')
  const browser = await launchBrowser()
  try {
    const page = await browser.context.newPage()
    await signIn(page, 'admin-axe', secret)
    for (const path of ['/staff/accounts', '/staff/keys', '/staff/mail']) {
      await page.goto(`${server.base}${path}`)
      await check(page, path)
    }
    await page.goto(`${server.base}/staff/accounts`)
    await page.getByRole('button', { name: 'Add account and send the link' }).click()
    await page.getByText('There is a problem').waitFor()
    await check(page, 'add account with errors')
    await page.getByLabel('Username').fill('newperson')
    await page.getByLabel('Analyst').check()
    await page.getByLabel('Their work email address').fill('newperson@example.com')
    await page.getByRole('button', { name: 'Add account and send the link' }).click()
    await page.getByRole('heading', { name: 'Staff account created' }).waitFor()
    assert.doesNotMatch(await page.content(), /otpauth/)
    await check(page, 'account created')

    // The new person sets the account up from the emailed link, on a
    // page of its own: errors first, then their password and a code.
    const link = await enrolmentLink(server.dataDir, 'newperson')
    const newcomer = await launchBrowser()
    const enrolPage = await newcomer.context.newPage()
    await enrolPage.goto(`${server.base}${link}`)
    await enrolPage.getByRole('heading', { name: 'Set up your staff account' }).waitFor()
    await check(enrolPage, 'enrolment, before the secret')
    await enrolPage.getByRole('button', { name: 'Start setting up' }).click()
    await enrolPage.locator('#secret').waitFor()
    await check(enrolPage, 'enrolment')
    await enrolPage.getByRole('button', { name: 'Set up my account' }).click()
    await enrolPage.getByText('There is a problem').waitFor()
    await check(enrolPage, 'enrolment with errors')
    const key = (await enrolPage.textContent('#secret')).trim()
    await enrolPage.getByLabel('Password').fill('tarn willow ember lattice')
    await enrolPage.getByLabel('Code from your authenticator app').fill(totp(key))
    await enrolPage.getByRole('button', { name: 'Set up my account' }).click()
    await enrolPage.getByRole('heading', { name: 'Your staff account is ready' }).waitFor()
    await check(enrolPage, 'enrolled')
    await newcomer.close()
    await page.goto(`${server.base}/staff/keys`)
    await page.getByRole('button', { name: 'Rotate the master key' }).click()
    await page.getByText('is now current').waitFor()
    await check(page, 'key rotated')
  } finally {
    await browser.close()
  }
})

test('a role without access gets a page that says so, without violations', async () => {
  const secret = addStaff(server, 'editor-axe', 'editor')
  const browser = await launchBrowser()
  try {
    const page = await browser.context.newPage()
    await signIn(page, 'editor-axe', secret)
    const response = await page.goto(`${server.base}/staff/people`)
    assert.equal(response.status(), 403)
    await page.getByRole('heading', { name: 'You cannot see this page' }).waitFor()
    await check(page, '403 for a role')
  } finally {
    await browser.close()
  }
})
