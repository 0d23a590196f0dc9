// Giving and withdrawing consent in a real browser, on the Children's
// Commissioner example with mail to a real SMTP server on loopback: cookies
// accepted on the banner and refused on the cookies page (the site works
// either way); the newsletter given on the subscription form and confirmed
// from the email, seen as given in the "your data" pages, then withdrawn
// with the unsubscribe link and seen as withdrawn. Every page is checked by
// axe-core.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startServer, launchBrowser, accessibilityViolations, startSmtp, configWithSmtp } from './support.mjs'

const examples = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples')

async function check (page, label) {
  const violations = await accessibilityViolations(page)
  assert.deepEqual(violations, [], `${label}: ${JSON.stringify(violations, null, 2)}`)
}

// The "Your consents" part of the page's text.
function consentsIn (text) {
  const start = text.indexOf('Your consents')
  if (start < 0) throw new Error(`no consents in:\n${text}`)
  return text.slice(start, start + 2000)
}

function linkIn (message, prefix) {
  const match = message.match(new RegExp(`https?://[^\\s"<>]*(${prefix}[A-Za-z0-9_.~-]+)`))
  if (!match) throw new Error(`no ${prefix} link in:\n${message}`)
  return match[1]
}

for (const javaScriptEnabled of [true, false]) {
  test(`a person gives and withdraws consent, with JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, async () => {
    const smtp = await startSmtp()
    const config = configWithSmtp(join(examples, 'childrens-commissioner.toml'), smtp)
    const server = await startServer({ args: ['--config', config, '--min-fill-seconds', '0', '--mail-interval', '1'] })
    const browser = await launchBrowser({ javaScriptEnabled })
    const audit = javaScriptEnabled ? check : async () => {}
    const email = `ari.${javaScriptEnabled ? 'js' : 'nojs'}@example.com`
    try {
      const page = await browser.context.newPage()
      // Cookies: yes on the banner, then no on the cookies page.
      await page.goto(`${server.base}/`)
      await page.getByRole('button', { name: 'Accept additional cookies' }).click()
      await page.getByText("You've accepted additional cookies").waitFor()
      await page.goto(`${server.base}/cookies`)
      await page.getByRole('radio', { name: 'No' }).first().check()
      await page.getByRole('button', { name: 'Save cookie settings' }).click()
      await page.getByText(/set your cookie preferences|cookie settings/i).first().waitFor()
      await audit(page, 'cookies saved')
      // Saying no blocks nothing.
      await page.goto(`${server.base}/forms/contact_us`)
      await page.getByRole('button', { name: 'Start now' }).click()
      await page.getByLabel('What is your name?').waitFor()

      // The newsletter: given on the form, confirmed from the email.
      await page.goto(`${server.base}/updates`)
      const topic = page.locator('main input[type=checkbox]')
      if (await topic.count() > 0) await topic.first().check()
      await page.getByLabel('Email address', { exact: true }).fill(email)
      await page.getByLabel('16 or over').check()
      await page.getByRole('button', { name: 'Subscribe' }).click()
      await page.getByRole('heading', { name: /Check your email/ }).waitFor()
      const confirm = await smtp.waitFor(email, /Confirm your email updates/)
      await page.goto(`${server.base}${linkIn(confirm, '/updates/confirm/')}`)
      await page.getByRole('button', { name: 'Start my updates' }).click()
      await page.getByRole('heading', { name: 'You are subscribed' }).waitFor()
      const manage = await page.getByRole('link', { name: 'change them now' }).getAttribute('href')

      // The "your data" pages show it as given.
      await page.goto(`${server.base}/your-data`)
      await page.getByLabel('Email address').fill(email)
      await page.getByRole('button', { name: 'Send me a code' }).click()
      const codeMail = await smtp.waitFor(email, /Your code is/)
      await page.getByLabel('Code').fill(codeMail.match(/Your code is (\d{6})/)[1])
      await page.getByRole('button', { name: 'Continue' }).click()
      await page.getByRole('heading', { name: 'Your consents' }).waitFor()
      const given = consentsIn(await page.textContent('main'))
      assert.match(given, /Given/)
      await audit(page, 'consents given')

      // Withdrawn where it was given: the unsubscribe link.
      await page.goto(`${server.base}${manage}`)
      await page.getByRole('link', { name: 'Unsubscribe from everything' }).click()
      await page.getByRole('button', { name: 'Unsubscribe' }).click()
      await page.getByRole('heading', { name: 'You have unsubscribed' }).waitFor()
      await page.goto(`${server.base}/your-data/held`)
      const after = consentsIn(await page.textContent('main'))
      assert.match(after, /Withdrawn/)
      await audit(page, 'consents withdrawn')
    } finally {
      await browser.close()
      await server.stop()
      smtp.stop()
    }
  })
}
