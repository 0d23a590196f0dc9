// The "your data" portal in a real browser, on the Children's Commissioner
// example, with mail delivered to a real SMTP server on loopback: a person
// who sent a message proves their address with the emailed code, downloads
// everything held, asks for a correction, then has their data deleted, and
// afterwards proving the address again finds nothing. The DPO sees the
// requests with their deadlines. Every page is checked by axe-core.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startServer, launchBrowser, accessibilityViolations, startSmtp, configWithSmtp, addStaff, totp } from './support.mjs'

const examples = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples')

async function check (page, label) {
  const violations = await accessibilityViolations(page)
  assert.deepEqual(violations, [], `${label}: ${JSON.stringify(violations, null, 2)}`)
}

function codeIn (message) {
  const match = message.match(/Your code is (\d{6})/)
  if (!match) throw new Error(`no code in:\n${message}`)
  return match[1]
}

async function sendMessage (page, base, name, email, message) {
  await page.goto(`${base}/forms/contact_us`)
  await page.getByRole('button', { name: 'Start now' }).click()
  await page.getByLabel('What is your name?').fill(name)
  await page.getByRole('button', { name: 'Continue' }).click()
  await page.getByLabel('What is your email address?').fill(email)
  await page.getByRole('button', { name: 'Continue' }).click()
  await page.getByLabel('What would you like to tell us or ask us?').fill(message)
  await page.getByRole('button', { name: 'Continue' }).click()
  await page.getByRole('button', { name: 'Send' }).click()
  await page.getByRole('heading', { name: /sent/i }).waitFor()
}

async function prove (page, base, smtp, email, nth) {
  await page.goto(`${base}/your-data`)
  await page.getByLabel('Email address').fill(email)
  await page.getByRole('button', { name: 'Send me a code' }).click()
  await page.getByRole('heading', { name: 'Check your email' }).waitFor()
  let code
  for (let i = 0; i < 300 && !code; i++) {
    const sent = smtp.messages().map((m) => m.replace(/=\r?\n/g, '')).filter((m) => m.includes(`To: ${email}`) && m.includes('Your code is'))
    if (sent.length > nth) code = codeIn(sent[nth])
    else await new Promise((resolve) => setTimeout(resolve, 100))
  }
  await page.getByLabel('Code').fill(code)
  await page.getByRole('button', { name: 'Continue' }).click()
  await page.getByRole('heading', { name: 'The information we hold about you' }).waitFor()
}

for (const javaScriptEnabled of [true, false]) {
  test(`a person sees, downloads, corrects and deletes their data, with JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, async () => {
    const smtp = await startSmtp()
    const config = configWithSmtp(join(examples, 'childrens-commissioner.toml'), smtp)
    const server = await startServer({ args: ['--config', config, '--min-fill-seconds', '0', '--mail-interval', '1'] })
    const browser = await launchBrowser({ javaScriptEnabled })
    const staffBrowser = await launchBrowser({ javaScriptEnabled })
    const audit = javaScriptEnabled ? check : async () => {}
    const email = `robin.${javaScriptEnabled ? 'js' : 'nojs'}@example.com`
    try {
      const page = await browser.context.newPage()
      await sendMessage(page, server.base, 'Robin', email, 'Can I see what you keep about me?')
      const kim = `kim.${javaScriptEnabled ? 'js' : 'nojs'}@example.com`
      await sendMessage(page, server.base, 'Kim', kim, 'I would like to help with your work.')

      await page.goto(`${server.base}/your-data`)
      await audit(page, 'start')
      // A wrong address gets a specific error.
      await page.getByLabel('Email address').fill('robin at example')
      await page.getByRole('button', { name: 'Send me a code' }).click()
      await page.getByText('There is a problem').waitFor()
      assert.match(await page.title(), /^Error: /)
      await audit(page, 'start with an error')

      await page.getByLabel('Email address').fill(email)
      await page.getByRole('button', { name: 'Send me a code' }).click()
      await page.getByRole('heading', { name: 'Check your email' }).waitFor()
      await audit(page, 'code')
      await page.getByLabel('Code').fill('12')
      await page.getByRole('button', { name: 'Continue' }).click()
      await page.getByText('Enter the 6-digit code').first().waitFor()
      await audit(page, 'code with an error')
      const code = codeIn(await smtp.waitFor(email, /Your code is/))
      await page.getByLabel('Code').fill(code)
      await page.getByRole('button', { name: 'Continue' }).click()
      await page.getByRole('heading', { name: 'The information we hold about you' }).waitFor()
      assert.match(await page.textContent('main'), /Can I see what you keep about me\?/)
      assert.match(await page.textContent('main'), /Contact us, reference CC-/)
      await audit(page, 'held')

      // The download holds the same.
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: 'Download all of it (JSON file)' }).click()
      ])
      const json = JSON.parse(readFileSync(await download.path(), 'utf8'))
      assert.ok(json.items.some((i) => i.value === 'Can I see what you keep about me?'))

      // A correction.
      await page.getByRole('link', { name: 'Ask us to correct something that is wrong' }).click()
      await audit(page, 'correct')
      await page.getByRole('button', { name: 'Send request' }).click()
      await page.getByText('There is a problem').waitFor()
      await audit(page, 'correct with errors')
      await page.getByRole('radio', { name: /What is your name\?: Robin/ }).check()
      await page.getByLabel('What should it say?').fill('Robin Hood')
      await page.getByRole('button', { name: 'Send request' }).click()
      await page.getByRole('heading', { name: 'Request sent' }).waitFor()
      assert.match(await page.textContent('main'), /DPR-/)
      await audit(page, 'request sent')
      await smtp.waitFor(email, /We have your request/)

      // Erasure: what goes, what stays and why, then done.
      await page.getByRole('link', { name: 'Back to your information' }).click()
      await page.getByRole('link', { name: 'Ask us to delete your data' }).click()
      await page.getByRole('heading', { name: 'Are you sure you want us to delete your data?' }).waitFor()
      await audit(page, 'delete')
      await page.getByRole('button', { name: 'Delete my data' }).click()
      await page.getByRole('heading', { name: 'Your data has been deleted' }).waitFor()
      await audit(page, 'deleted')
      await smtp.waitFor(email, /We have deleted your data/)

      // Proving the address again: only what the policy keeps is held
      // under it (the record of the requests), each with why and until
      // when, and nothing of the message.
      await prove(page, server.base, smtp, email, 1)
      const kept = await page.textContent('main')
      assert.match(kept, /Your requests about your data/)
      assert.match(kept, /Why we hold it/)
      assert.doesNotMatch(kept, /Can I see what you keep about me\?/)
      await audit(page, 'held after erasure')

      // The DPO sees both requests, the erasure already closed.
      const secret = addStaff(server, `dpo-${javaScriptEnabled ? 'js' : 'nojs'}`, 'dpo')
      const dpo = await staffBrowser.context.newPage()
      await dpo.goto(`${server.base}/staff/sign-in`)
      await dpo.getByLabel('Username').fill(`dpo-${javaScriptEnabled ? 'js' : 'nojs'}`)
      await dpo.getByLabel('Password').fill('a long staff passphrase')
      await dpo.getByLabel('Code from your authenticator app').fill(totp(secret))
      await dpo.getByRole('button', { name: 'Sign in' }).click()
      await dpo.waitForURL(`${server.base}/staff`)
      await dpo.getByRole('link', { name: 'Requests about data' }).click()
      await audit(dpo, 'staff requests')
      const rows = await dpo.textContent('table')
      assert.match(rows, /Correct the data held/)
      assert.match(rows, /Delete the data held/)
      await dpo.getByRole('link', { name: /^DPR-/ }).first().click()
      await audit(dpo, 'staff request')
      assert.match(await dpo.textContent('main'), /Robin Hood/)
      // The disclosure log: a partner disclosure, the person told by email.
      await dpo.goto(`${server.base}/staff/disclosures/new`)
      await audit(dpo, 'staff new disclosure')
      await dpo.getByRole('button', { name: 'Record the disclosure' }).click()
      await dpo.getByText('There is a problem').waitFor()
      await audit(dpo, 'staff new disclosure with errors')
      await dpo.getByLabel('Their email address').fill(kim)
      await dpo.getByRole('radio', { name: /A partner working on a specific project/ }).check()
      await dpo.getByLabel('Why was it passed on?').fill('To invite you to a project about care.')
      await dpo.getByLabel('Which information was passed on?').fill('Your name')
      await dpo.getByRole('radio', { name: /Public task/ }).check()
      await dpo.getByLabel('Who authorised it?').fill('Project lead')
      await dpo.getByRole('radio', { name: /email them now/ }).check()
      await dpo.getByRole('button', { name: 'Record the disclosure' }).click()
      await dpo.getByRole('heading', { name: /Disclosure to A partner/ }).waitFor()
      await audit(dpo, 'staff disclosure')
      await dpo.getByRole('link', { name: 'The disclosure log' }).click()
      await audit(dpo, 'staff disclosure log')
      await smtp.waitFor(kim, /We have shared your information/)
      // Kim sees who and why in the portal (after Robin's visit is finished).
      await page.getByRole('button', { name: 'I have finished' }).click()
      await prove(page, server.base, smtp, kim, 0)
      assert.match(await page.textContent('main'), /Who we have shared your information with/)
      assert.match(await page.textContent('main'), /To invite you to a project about care\./)
      await audit(page, 'held, with a disclosure')
      await dpo.goto(`${server.base}/staff/requests/new`)
      await audit(dpo, 'staff new request')
      await dpo.getByRole('button', { name: 'Record the request' }).click()
      await dpo.getByText('There is a problem').waitFor()
      await audit(dpo, 'staff new request with errors')
    } finally {
      await browser.close()
      await staffBrowser.close()
      await server.stop()
      smtp.stop()
    }
  })
}
