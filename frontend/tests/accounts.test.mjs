// Public accounts in a real browser, on the Civil Service Jobs example
// (whose notice offers registration), with mail delivered to a real SMTP
// server on loopback: register, confirm from the email, sign in, carry a
// form started anonymously into the account, sign out and in again, and
// delete the account. Every page is checked by axe-core.
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

// The path of a link in a message, on this test's server.
function linkIn (message, prefix) {
  const match = message.match(new RegExp(`https?://[^\\s"<>]*(${prefix}[A-Za-z0-9_-]+)`))
  if (!match) throw new Error(`no ${prefix} link in:\n${message}`)
  return match[1]
}

for (const javaScriptEnabled of [true, false]) {
  test(`a person registers, confirms by email, continues a form after signing in and deletes the account, with JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, async () => {
    const smtp = await startSmtp()
    const config = configWithSmtp(join(examples, 'civil-service-jobs.toml'), smtp)
    const server = await startServer({ args: ['--config', config, '--min-fill-seconds', '0', '--mail-interval', '1'] })
    const browser = await launchBrowser({ javaScriptEnabled })
    const audit = javaScriptEnabled ? check : async () => {}
    const email = `pat.${javaScriptEnabled ? 'js' : 'nojs'}@example.com`
    try {
      const page = await browser.context.newPage()
      await page.goto(`${server.base}/`)
      await page.getByRole('link', { name: 'Create an account' }).click()
      await audit(page, 'register')
      // A common password is refused, with the reason, and what was typed stays.
      await page.getByLabel('Email address').fill(email)
      await page.getByLabel('User name').fill('pat')
      await page.getByLabel('Password').fill('password123')
      await page.getByRole('button', { name: 'Create account' }).click()
      await page.getByText('There is a problem').waitFor()
      assert.match(await page.textContent('.govuk-error-summary'), /many people use/)
      assert.equal(await page.getByLabel('Email address').inputValue(), email)
      await audit(page, 'register with an error')
      await page.getByLabel('Password').fill('marble kettle orbit')
      await page.getByRole('button', { name: 'Create account' }).click()
      await page.getByRole('heading', { name: 'Check your email' }).waitFor()
      await audit(page, 'check your email')

      const mail = await smtp.waitFor(email, /Confirm your email address/)
      await page.goto(`${server.base}${linkIn(mail, '/account/confirm/')}`)
      await audit(page, 'confirm')
      await page.getByRole('button', { name: 'Confirm email address' }).click()
      await page.getByRole('heading', { name: 'Your email address is confirmed' }).waitFor()
      await audit(page, 'confirmed')

      // A form started before signing in.
      await page.goto(`${server.base}/forms/feedback`)
      await page.getByRole('button', { name: 'Start now' }).click()
      const first = page.locator('main textarea, main input.govuk-input').first()
      await first.fill('Started before I signed in')
      await page.getByRole('button', { name: 'Continue' }).click()

      await page.goto(`${server.base}/account/sign-in`)
      await audit(page, 'sign in')
      await page.getByLabel('Email address or user name').fill('pat')
      await page.getByLabel('Password').fill('marble kettle orbit')
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.getByRole('heading', { name: 'Your account', exact: true }).waitFor()
      assert.match(await page.textContent('#account-email'), new RegExp(email.replace('.', '\\.')))
      await audit(page, 'your account')
      // Signed in, the "your data" pages need no code.
      await page.goto(`${server.base}/your-data`)
      await audit(page, 'your data, signed in')
      await page.getByRole('button', { name: 'See the information we hold about you' }).click()
      await page.getByRole('heading', { name: 'The information we hold about you' }).waitFor()
      assert.match(await page.textContent('main'), new RegExp(email.replace('.', '\\.')))
      await audit(page, 'your data held, signed in')
      await page.goto(`${server.base}/account`)
      await page.getByRole('link', { name: /Carry on with/ }).click()
      await page.getByRole('button', { name: 'Start now' }).click()
      assert.equal(await page.locator('main textarea, main input.govuk-input').first().inputValue(), 'Started before I signed in')

      await page.goto(`${server.base}/account/change-password`)
      await audit(page, 'change password')
      await page.goto(`${server.base}/account/change-email`)
      await audit(page, 'change email')

      await page.goto(`${server.base}/account`)
      await page.getByRole('button', { name: 'Delete your account' }).click()
      await page.getByRole('heading', { name: 'Delete your account', level: 1 }).waitFor()
      await audit(page, 'delete')
      // The password is asked again first.
      await page.getByRole('button', { name: 'Delete my account' }).click()
      await page.getByText('Enter your current password').first().waitFor()
      await audit(page, 'delete, without the password')
      await page.getByLabel('Your password').fill('marble kettle orbit')
      await page.getByRole('button', { name: 'Delete my account' }).click()
      await page.getByRole('heading', { name: 'Your account has been deleted' }).waitFor()
      await audit(page, 'deleted')

      await page.goto(`${server.base}/account/sign-in`)
      await page.getByLabel('Email address or user name').fill('pat')
      await page.getByLabel('Password').fill('marble kettle orbit')
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.getByText('The email address, user name or password is not right').first().waitFor()
    } finally {
      await browser.close()
      await server.stop()
      smtp.stop()
    }
  })
}
