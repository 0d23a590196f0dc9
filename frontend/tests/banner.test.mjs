// The cookie banner and cookies page, as a person uses them, with JavaScript
// off and on: the banner is a server-side form, so both must work the same.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, launchBrowser } from './support.mjs'

let server
before(async () => { server = await startServer() })
after(async () => { await server.stop() })

async function consentCookie (context) {
  const cookies = await context.cookies()
  return cookies.find((c) => c.name === 'cookie_preferences')
}

for (const javaScriptEnabled of [false, true]) {
  const mode = javaScriptEnabled ? 'JavaScript on' : 'JavaScript off'

  for (const [button, word, answer] of [['Accept', 'accepted', 'yes'], ['Reject', 'rejected', 'no']]) {
    test(`the banner ${word} cookies with ${mode}`, async () => {
      const browser = await launchBrowser({ javaScriptEnabled })
      try {
        const page = await browser.context.newPage()
        await page.goto(`${server.base}/privacy`)
        const banner = page.getByRole('region', { name: /Cookies on/ })
        await assert.doesNotReject(banner.waitFor())
        assert.equal(await consentCookie(browser.context), undefined, 'no choice before the person makes one')

        await page.getByRole('button', { name: `${button} additional cookies` }).click()
        await page.waitForURL(`${server.base}/privacy`)
        const message = page.getByText(`You've ${word} additional cookies`)
        await assert.doesNotReject(message.waitFor())
        // Focus is on the confirmation, as the GOV.UK pattern does.
        await page.waitForFunction(() => document.activeElement?.classList.contains('govuk-cookie-banner__message'))
        const cookie = await consentCookie(browser.context)
        assert.match(cookie?.value ?? '', new RegExp(`^version=1&usage=${answer}\\.[0-9a-f]{8}&receipt=[0-9a-f]{32}$`))
        assert.ok(cookie.expires > Date.now() / 1000 + 360 * 24 * 3600, 'kept for a year')
        assert.equal(cookie.httpOnly, true)
        const names = (await browser.context.cookies()).map((c) => c.name).sort()
        if (answer === 'yes') {
          // The measurement cookie, and nothing else optional.
          assert.deepEqual(names, ['cc_visitor', 'cookie_preferences', 'custodian_session', 'request_token'])
        } else {
          assert.deepEqual(names, ['cookie_preferences', 'custodian_session', 'request_token'], 'only essential cookies')
        }

        await page.getByRole('button', { name: 'Hide cookie message' }).click()
        await page.waitForURL(`${server.base}/privacy`)
        assert.equal(await page.locator('.govuk-cookie-banner').count(), 0, 'the banner is gone')
        await page.goto(`${server.base}/`)
        assert.equal(await page.locator('.govuk-cookie-banner').count(), 0, 'and stays gone')
      } finally {
        await browser.close()
      }
    })
  }

  test(`the cookies page saves and changes the choice with ${mode}`, async () => {
    const browser = await launchBrowser({ javaScriptEnabled })
    try {
      const page = await browser.context.newPage()
      await page.goto(`${server.base}/cookies`)
      assert.equal(await page.locator('.govuk-cookie-banner').count(), 0, 'no banner on the cookies page')
      const no = page.getByRole('radio', { name: 'No' })
      assert.equal(await no.isChecked(), true, 'defaults to no')

      await page.getByRole('radio', { name: 'Yes' }).check()
      await page.getByRole('button', { name: 'Save cookie settings' }).click()
      await page.waitForURL(`${server.base}/cookies`)
      await assert.doesNotReject(page.getByText("You've set your cookie preferences").waitFor())
      assert.match((await consentCookie(browser.context))?.value ?? '', /^version=1&usage=yes\.[0-9a-f]{8}&receipt=[0-9a-f]{32}$/)
      const measured = async () => (await browser.context.cookies()).find((c) => c.name === 'cc_visitor')
      assert.match((await measured())?.value ?? '', /^[0-9a-f]{32}$/, 'the measurement cookie follows a yes')

      await page.getByRole('radio', { name: 'No' }).check()
      await page.getByRole('button', { name: 'Save cookie settings' }).click()
      await page.waitForURL(`${server.base}/cookies`)
      assert.match((await consentCookie(browser.context))?.value ?? '', /^version=1&usage=no\.[0-9a-f]{8}&receipt=[0-9a-f]{32}$/)
      assert.equal(await measured(), undefined, 'and goes with a no')
      await page.goto(`${server.base}/`)
      assert.equal(await page.locator('.govuk-cookie-banner').count(), 0, 'a choice made on the cookies page ends the banner')
    } finally {
      await browser.close()
    }
  })
}
