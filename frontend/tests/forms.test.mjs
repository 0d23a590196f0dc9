// Every example form in a real browser, with JavaScript off and on: the
// error summary, check your answers and its Change loop, and the
// confirmation page, each page checked by axe-core. Then a caseworker signs
// in with a one-time code, opens the case and replies.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startServer, launchBrowser, accessibilityViolations, addStaff, totp, startSmtp, configWithSmtp } from './support.mjs'

const examples = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples')
// The demo (the Children's Commissioner) and the other two examples.
const SITES = [
  { name: 'demo', args: [] },
  { name: 'civil-service-jobs', args: ['--config', join(examples, 'civil-service-jobs.toml')] },
  { name: 'connexions', args: ['--config', join(examples, 'connexions.toml')] }
]

async function checkPage (page, label) {
  const violations = await accessibilityViolations(page)
  assert.deepEqual(violations, [], `${label}: ${JSON.stringify(violations, null, 2)}`)
}

// Answer every question on the current page with something valid. On the
// demo the first age band is "Under 16", so its forms go the parental
// consent way: the parent's address, then the held confirmation.
async function answerPage (page) {
  for (const input of await page.locator('main input.govuk-input[type=text]:not([name$="-day"]):not([name$="-month"]):not([name$="-year"])').all()) {
    await input.fill(await input.getAttribute('inputmode') === 'numeric' ? '15' : 'Sam')
  }
  for (const input of await page.locator('main input[type=email]').all()) await input.fill('sam.forms@example.com')
  for (const input of await page.locator('main input[type=tel]').all()) await input.fill('07700 900 982')
  for (const area of await page.locator('main textarea').all()) await area.fill('Something I want to say.')
  for (const day of await page.locator('main input[name$="-day"]').all()) {
    const id = (await day.getAttribute('name')).replace(/-day$/, '')
    await day.fill('9')
    await page.locator(`input[name="${id}-month"]`).fill('3')
    await page.locator(`input[name="${id}-year"]`).fill('2010')
  }
  for (const fieldset of await page.locator('main .govuk-radios, main .govuk-checkboxes').all()) {
    await fieldset.locator('input').first().check()
  }
}

for (const site of SITES) {
  for (const javaScriptEnabled of [false, true]) {
    test(`every ${site.name} form can be filled in, checked, changed and sent, with JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, async () => {
      const server = await startServer({ args: ['--min-fill-seconds', '0', ...site.args] })
      const browser = await launchBrowser({ javaScriptEnabled })
      // axe-core runs in the page, so only with JavaScript; the same markup
      // is checked by the JavaScript-on run.
      const check = javaScriptEnabled ? checkPage : async () => {}
      try {
        const page = await browser.context.newPage()
        await page.goto(`${server.base}/forms`)
        await check(page, `${site.name} /forms`)
        const links = await page.locator('main a.govuk-link').evaluateAll((as) => as.map((a) => a.getAttribute('href')))
        assert.ok(links.length > 0, 'the site has forms')
        for (const href of links) {
          await page.goto(`${server.base}${href}`)
          await check(page, `${href} start`)
          await page.getByRole('button', { name: 'Start now' }).click()
          // The first page, sent empty: the error summary.
          await page.getByRole('button', { name: 'Continue' }).click()
          await page.getByText('There is a problem').waitFor()
          assert.match(await page.title(), /^Error: /)
          await check(page, `${href} first page with errors`)
          const firstPage = new URL(page.url()).pathname
          for (let i = 0; i < 20 && !page.url().endsWith('/check'); i++) {
            await answerPage(page)
            await check(page, `${page.url()} answered`)
            await page.getByRole('button', { name: 'Continue' }).click()
            await page.waitForLoadState()
          }
          assert.ok(page.url().endsWith('/check'), `reached check your answers: ${page.url()}`)
          await page.getByRole('heading', { name: 'Check your answers before sending' }).waitFor()
          await check(page, `${href} check your answers`)
          // Change the first answer and come back.
          await page.locator(`a[href^="${firstPage}?return=check"]`).first().click()
          assert.match(page.url(), /return=check/)
          await answerPage(page)
          await page.getByRole('button', { name: 'Continue' }).click()
          await page.getByRole('heading', { name: 'Check your answers before sending' }).waitFor()
          await page.getByRole('button', { name: 'Send' }).click()
          await page.locator('.govuk-panel--confirmation').waitFor()
          assert.match(await page.textContent('#reference'), /^[A-Z]+-[A-Z0-9]{4}-[A-Z0-9]{4}$/)
          await check(page, `${href} confirmation`)
        }
      } finally {
        await browser.close()
        await server.stop()
      }
    })
  }
}

test('a caseworker signs in with a one-time code, opens a case and replies by email', async () => {
  const smtp = await startSmtp()
  const config = configWithSmtp(join(examples, 'childrens-commissioner.toml'), smtp)
  const server = await startServer({ args: ['--config', config, '--min-fill-seconds', '0', '--mail-interval', '1'] })
  const browser = await launchBrowser()
  try {
    const page = await browser.context.newPage()
    await page.goto(`${server.base}/forms/contact_us/name`)
    await page.getByLabel('What is your name?').fill('Sam')
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.getByLabel('What is your email address?').fill('sam.case@example.com')
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.getByLabel('What would you like to tell us or ask us?').fill('Who decides about my school?')
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.getByRole('button', { name: 'Send' }).click()
    const reference = (await page.textContent('#reference')).trim()
    const check = checkPage

    const secret = addStaff(server, 'casey', 'caseworker', ['enquiries'])
    await page.goto(`${server.base}/staff/sign-in`)
    await page.getByLabel('Username').fill('casey')
    await page.getByLabel('Password').fill('a long staff passphrase')
    await page.getByLabel('Code from your authenticator app').fill(totp(secret))
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(`${server.base}/staff`)
    await page.getByRole('link', { name: 'Cases' }).first().click()
    await check(page, 'the inbox')
    await page.getByRole('link', { name: reference }).click()
    await page.getByRole('heading', { name: `Case ${reference}` }).waitFor()
    assert.match(await page.textContent('main'), /Who decides about my school\?/)
    await check(page, 'a case')
    await page.getByRole('button', { name: 'Send reply' }).click()
    await page.getByText('There is a problem').waitFor()
    await check(page, 'a case with an error')
    await page.getByLabel('Your reply').fill('Your school decides, with your carers.')
    await page.getByRole('button', { name: 'Send reply' }).click()
    await page.getByText('Reply sent', { exact: true }).waitFor()
    // The reply arrives at the SMTP server.
    const found = await smtp.waitFor('sam.case@example.com', /Our reply about/)
    assert.match(found, /To: sam\.case@example\.com/)
    assert.match(found, /Your school decides, with your carers\./)
  } finally {
    await browser.close()
    await server.stop()
    smtp.stop()
  }
})

test('an analyst reads a consultation\'s results, and the page passes axe-core', async () => {
  const server = await startServer({ args: ['--min-fill-seconds', '0'] })
  const browser = await launchBrowser()
  try {
    const page = await browser.context.newPage()
    await page.goto(`${server.base}/forms/have_your_say/happy`)
    await page.getByLabel('Quite happy').check()
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.getByLabel('Friends').check()
    await page.getByLabel('Health').check()
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.getByLabel('If you could change one thing for children in England, what would it be?').fill('More parks.')
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.getByLabel('Yes, but without my name').check()
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.getByRole('button', { name: 'Send' }).click()
    await page.locator('.govuk-panel--confirmation').waitFor()

    const secret = addStaff(server, 'annie', 'analyst')
    await page.goto(`${server.base}/staff/sign-in`)
    await page.getByLabel('Username').fill('annie')
    await page.getByLabel('Password').fill('a long staff passphrase')
    await page.getByLabel('Code from your authenticator app').fill(totp(secret))
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(`${server.base}/staff`)
    await page.getByRole('link', { name: 'Consultations' }).first().click()
    await checkPage(page, 'the consultations list')
    await page.getByRole('link', { name: 'Have your say: growing up in England' }).click()
    await page.getByRole('heading', { name: 'Have your say: growing up in England' }).waitFor()
    const text = await page.textContent('main')
    assert.match(text, /1 response; 1 may be published/)
    assert.match(text, /Quite happy: 100% \(1\)/)
    assert.match(text, /More parks\./)
    await checkPage(page, 'a consultation\'s results')
  } finally {
    await browser.close()
    await server.stop()
  }
})
