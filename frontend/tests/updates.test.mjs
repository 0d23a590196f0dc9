// Email updates in a real browser on the Civil Service Jobs example, whose
// notice says you register to receive them, with mail delivered to a real
// SMTP server on loopback: register, confirm, sign in, subscribe to two
// topics, confirm, an editor sends an update, it arrives with one-click
// unsubscribe headers, a bare POST unsubscribes, and the account is
// deleted. Every page is checked by axe-core.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startServer, launchBrowser, accessibilityViolations, startSmtp, configWithSmtp, addStaff, totp } from './support.mjs'

const examples = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples')

async function check (page, label) {
  const violations = await accessibilityViolations(page)
  assert.deepEqual(violations, [], `${label}: ${JSON.stringify(violations, null, 2)}`)
}

function linkIn (message, prefix) {
  const match = message.match(new RegExp(`https?://[^\\s"<>]*(${prefix}[A-Za-z0-9_.-]+)`))
  if (!match) throw new Error(`no ${prefix} link in:\n${message}`)
  return match[1]
}

for (const javaScriptEnabled of [true, false]) {
  test(`a registered person subscribes to two topics, gets an update and unsubscribes in one click, with JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, async () => {
    const smtp = await startSmtp()
    const config = configWithSmtp(join(examples, 'civil-service-jobs.toml'), smtp)
    const server = await startServer({ args: ['--config', config, '--min-fill-seconds', '0', '--mail-interval', '1'] })
    const browser = await launchBrowser({ javaScriptEnabled })
    const audit = javaScriptEnabled ? check : async () => {}
    const email = `sam.updates.${javaScriptEnabled ? 'js' : 'nojs'}@example.com`
    try {
      const page = await browser.context.newPage()
      // Updates need an account on this site.
      await page.goto(`${server.base}/updates`)
      await audit(page, 'updates without an account')
      await page.locator('main').getByRole('link', { name: 'create an account' }).click()
      await page.getByLabel('Email address').fill(email)
      await page.getByLabel('User name').fill('samupdates')
      await page.getByLabel('Password').fill('marble kettle orbit')
      await page.getByRole('button', { name: 'Create account' }).click()
      const welcome = await smtp.waitFor(email, /Confirm your email address/)
      await page.goto(`${server.base}${linkIn(welcome, '/account/confirm/')}`)
      await page.getByRole('button', { name: 'Confirm email address' }).click()
      await page.goto(`${server.base}/account/sign-in?return=/updates`)
      await page.getByLabel('Email address or user name').fill('samupdates')
      await page.getByLabel('Password').fill('marble kettle orbit')
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.getByRole('heading', { name: 'Get email updates' }).waitFor()
      await audit(page, 'subscribe')

      // No topic chosen: the error summary.
      await page.getByRole('button', { name: 'Subscribe' }).click()
      await page.getByText('There is a problem').waitFor()
      await audit(page, 'subscribe with an error')
      await page.getByLabel('New vacancies').check()
      await page.getByLabel('News about Civil Service Jobs').check()
      // Signed in, the address is the account's, already confirmed: the
      // updates start at once, with no second confirmation to follow.
      await page.getByRole('button', { name: 'Subscribe' }).click()
      await page.getByRole('heading', { name: 'You are subscribed' }).waitFor()
      await audit(page, 'subscribed')

      // An editor writes, previews and sends an update.
      const secret = addStaff(server, `editor${javaScriptEnabled ? 'js' : 'nojs'}`, 'editor')
      const staff = await browser.context.newPage()
      await staff.goto(`${server.base}/staff/sign-in`)
      await staff.getByLabel('Username').fill(`editor${javaScriptEnabled ? 'js' : 'nojs'}`)
      await staff.getByLabel('Password').fill('a long staff passphrase')
      await staff.getByLabel('Code from your authenticator app').fill(totp(secret))
      await staff.getByRole('button', { name: 'Sign in' }).click()
      await staff.goto(`${server.base}/staff/updates/new`)
      await audit(staff, 'write an update')
      await staff.getByLabel('Subject line').fill('Jobs this week')
      await staff.getByLabel('The update').fill('## New this week\n\nThree new **vacancies**.')
      // With JavaScript the preview follows the typing; without, the
      // Preview button renders it.
      if (!javaScriptEnabled) await staff.getByRole('button', { name: 'Preview' }).click()
      await staff.locator('#update-preview h2', { hasText: 'New this week' }).waitFor()
      await audit(staff, 'preview')
      await staff.getByLabel('New vacancies').check()
      await staff.getByRole('button', { name: 'Send to subscribers' }).click()
      await staff.getByRole('heading', { name: 'Jobs this week' }).waitFor()
      await audit(staff, 'send progress')

      const update = await smtp.waitFor(email, /Subject: Jobs this week/)
      assert.match(update, /List-Unsubscribe: <https?:\/\/[^>]+\/updates\/unsubscribe\//)
      assert.match(update, /List-Unsubscribe-Post: List-Unsubscribe=One-Click/)
      assert.match(update, /<strong>vacancies<\/strong>/)
      const unsubscribe = linkIn(update, '/updates/unsubscribe/')
      // What a mail program does for one-click unsubscribe: a bare POST.
      const response = await fetch(`${server.base}${unsubscribe}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click'
      })
      assert.equal(response.status, 200)
      await page.goto(`${server.base}${unsubscribe}`)
      await page.getByRole('heading', { name: 'You are not subscribed' }).waitFor()
      await audit(page, 'unsubscribed')

      await page.goto(`${server.base}/account`)
      await page.getByRole('button', { name: 'Delete your account' }).click()
      await page.getByLabel('Your password').fill('marble kettle orbit')
      await page.getByRole('button', { name: 'Delete my account' }).click()
      await page.getByRole('heading', { name: 'Your account has been deleted' }).waitFor()
    } finally {
      await browser.close()
      await server.stop()
      smtp.stop()
    }
  })
}

test('a visitor subscribes to the demo newsletter without an account, and manages it from the email', async () => {
  const smtp = await startSmtp()
  const config = configWithSmtp(join(examples, 'childrens-commissioner.toml'), smtp)
  const server = await startServer({ args: ['--config', config, '--min-fill-seconds', '0', '--mail-interval', '1'] })
  const browser = await launchBrowser()
  try {
    const page = await browser.context.newPage()
    await page.goto(`${server.base}/`)
    await page.getByRole('link', { name: 'Get email updates' }).click()
    await page.getByLabel('Email address', { exact: true }).fill('not an address')
    await page.getByRole('button', { name: 'Subscribe' }).click()
    await page.getByText('There is a problem').waitFor()
    await check(page, 'newsletter with an error')
    await page.getByLabel('Email address', { exact: true }).fill('reader@example.com')
    await page.getByLabel('16 or over').check()
    await page.getByRole('button', { name: 'Subscribe' }).click()
    await page.getByRole('heading', { name: 'Check your email' }).waitFor()
    assert.match(await page.textContent('main'), /reader@example\.com/)
    await check(page, 'check your email')
    const confirm = await smtp.waitFor('reader@example.com', /Confirm your email updates/)
    await page.goto(`${server.base}${linkIn(confirm, '/updates/confirm/')}`)
    await page.getByRole('button', { name: 'Start my updates' }).click()
    await page.getByRole('link', { name: 'change them now' }).click()
    await page.getByRole('heading', { name: 'Your email updates' }).waitFor()
    await check(page, 'manage')
    await page.getByRole('link', { name: 'Unsubscribe from everything' }).click()
    await check(page, 'unsubscribe')
    await page.getByRole('button', { name: 'Unsubscribe' }).click()
    await page.getByRole('heading', { name: 'You have unsubscribed' }).waitFor()
  } finally {
    await browser.close()
    await server.stop()
    smtp.stop()
  }
})
