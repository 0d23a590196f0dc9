// A caseworker's inbox in a real browser, with JavaScript off and on: the
// tabs and their counts follow a case as it is taken; a person's cases are
// found by their email address without the address going into the page's
// address; every view is checked by axe-core.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, launchBrowser, accessibilityViolations, addStaff, signInStaff, sendAForm } from './support.mjs'

let server
before(async () => { server = await startServer({ args: ['--min-fill-seconds', '0'] }) })
after(async () => { await server.stop() })

async function check (page, label) {
  const violations = await accessibilityViolations(page)
  assert.deepEqual(violations, [], `${label}: ${JSON.stringify(violations, null, 2)}`)
}

function tabCount (text, label) {
  const match = text.match(new RegExp(`${label} \\((\\d+)`))
  return match ? Number(match[1]) : -1
}

for (const javaScriptEnabled of [false, true]) {
  test(`a caseworker takes a case from the inbox and finds a person's cases, with JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, async () => {
    const tag = javaScriptEnabled ? 'js' : 'nojs'
    const email = `inbox.${tag}@example.com`
    const visitor = await launchBrowser({ javaScriptEnabled })
    const staffBrowser = await launchBrowser({ javaScriptEnabled })
    // axe runs in the page, so only with JavaScript on; the markup is the same.
    const audit = javaScriptEnabled ? check : async () => {}
    try {
      await sendAForm(await visitor.context.newPage(), server.base, email)
      const username = `casey-${tag}`
      const secret = addStaff(server, username, 'caseworker', ['enquiries', 'help_at_hand'])
      const page = await staffBrowser.context.newPage()
      await signInStaff(page, server.base, username, secret)
      await page.getByRole('region', { name: 'Staff menu' }).getByRole('link', { name: 'Cases' }).click()
      const tabs = page.getByRole('navigation', { name: 'Cases by where they stand' })
      const unassigned = tabs.getByRole('link', { name: /^Unassigned/ })
      assert.equal(await unassigned.getAttribute('aria-current'), 'page')
      const before = tabCount(await tabs.textContent(), 'Unassigned')
      assert.ok(before >= 1, 'the case sent is waiting')
      await audit(page, 'inbox')

      // Oldest first: the case just sent is the last row; take it.
      const rows = page.locator('tbody tr')
      const reference = (await rows.last().locator('a').textContent()).trim()
      await rows.last().getByRole('link').click()
      await page.getByRole('button', { name: 'Assign to me' }).click()
      await page.getByRole('region', { name: 'Staff menu' }).getByRole('link', { name: 'Cases' }).click()
      assert.equal(tabCount(await tabs.textContent(), 'Unassigned'), before - 1)
      await tabs.getByRole('link', { name: /^Assigned to me/ }).click()
      assert.equal(await tabs.getByRole('link', { name: /^Assigned to me/ }).getAttribute('aria-current'), 'page')
      assert.match(await page.textContent('main'), new RegExp(reference))
      await audit(page, 'assigned to me')

      // Sorting by reference says so to a screen reader.
      await page.getByRole('link', { name: 'Reference' }).click()
      assert.equal(await page.locator('th[aria-sort="ascending"]').textContent(), 'Reference')

      // Found by address: sent by POST, so the address is in no URL.
      await page.getByLabel('Find cases by reference or email address').fill(email)
      await page.getByRole('button', { name: 'Find cases' }).click()
      await page.getByText('found by the email address you entered').waitFor()
      assert.match(await page.textContent('main'), new RegExp(reference))
      assert.doesNotMatch(page.url(), /@|inbox\./)
      await audit(page, 'search results')

      // A mistyped address says what is wrong, and nothing is searched.
      await page.getByLabel('Find cases by reference or email address').fill('someone@')
      await page.getByRole('button', { name: 'Find cases' }).click()
      await page.getByText('There is a problem').waitFor()
      assert.match(await page.title(), /^Error: /)
      await audit(page, 'search error')
    } finally {
      await visitor.close()
      await staffBrowser.close()
    }
  })
}
