// Parental consent in a real browser, on the Children's Commissioner
// example (age 16), with mail delivered to a real SMTP server on loopback.
// A young person under 16 is asked for a parent's or guardian's address and
// told what happens; their form waits, and the parent confirms from the
// link in the email they receive, after which the form reaches the inbox.
// Another's parent never answers: once the wait has passed (the time is a
// parameter of `custodian retention`), everything is deleted and the link
// says so. Every page is checked by axe-core.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startServer, launchBrowser, accessibilityViolations, startSmtp, configWithSmtp, addStaff, runCli, signInStaff } from './support.mjs'

const examples = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples')

async function check (page, label) {
  const violations = await accessibilityViolations(page)
  assert.deepEqual(violations, [], `${label}: ${JSON.stringify(violations, null, 2)}`)
}

function permissionLink (message) {
  const match = message.match(/https?:\/\/[^\s"<>]*(\/permission\/[A-Za-z0-9_-]+)/)
  if (!match) throw new Error(`no permission link in:\n${message}`)
  return match[1]
}

// A young person's contact form, from the age question to the held page.
async function sendAsUnder16 (page, base, audit, { email, parent, message }) {
  await page.goto(`${base}/forms/contact_us`)
  await page.getByRole('button', { name: 'Start now' }).click()
  await page.getByRole('heading', { name: 'How old are you?' }).waitFor()
  await audit(page, 'age')
  await page.getByLabel('Under 16').check()
  await page.getByRole('button', { name: 'Continue' }).click()
  await page.getByLabel("What is your parent's or guardian's email address?").waitFor()
  assert.match(await page.textContent('main'), /We will not show them what you write/)
  await audit(page, 'guardian')
  await page.getByLabel("What is your parent's or guardian's email address?").fill('not an address')
  await page.getByRole('button', { name: 'Continue' }).click()
  await page.getByText('There is a problem').waitFor()
  assert.match(await page.title(), /^Error: /)
  await audit(page, 'guardian with an error')
  await page.getByLabel("What is your parent's or guardian's email address?").fill(parent)
  await page.getByRole('button', { name: 'Continue' }).click()
  await page.getByLabel('What is your name?').fill('Alex')
  await page.getByRole('button', { name: 'Continue' }).click()
  await page.getByLabel('What is your email address?').fill(email)
  await page.getByRole('button', { name: 'Continue' }).click()
  await page.getByLabel('What would you like to tell us or ask us?').fill(message)
  await page.getByRole('button', { name: 'Continue' }).click()
  await page.getByRole('heading', { name: 'Check your answers before sending' }).waitFor()
  assert.match(await page.textContent('main'), new RegExp(parent.replace('.', '\\.')))
  await page.getByRole('button', { name: 'Send' }).click()
  await page.getByRole('heading', { name: 'We have asked your parent or guardian' }).waitFor()
  assert.match(await page.textContent('main'), /nobody here reads it/)
  await audit(page, 'held')
  return (await page.textContent('#reference')).trim()
}

// A caseworker for the enquiries team, signed in in a new page of `browser`.
async function signInCaseworker (browser, server, username) {
  const secret = addStaff(server, username, 'caseworker', ['enquiries'])
  const staff = await browser.context.newPage()
  await signInStaff(staff, server.base, username, secret)
  return staff
}

for (const javaScriptEnabled of [true, false]) {
  test(`a parent confirms a young person's form from the email they received, with JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, async () => {
    const smtp = await startSmtp()
    const config = configWithSmtp(join(examples, 'childrens-commissioner.toml'), smtp)
    const server = await startServer({ args: ['--config', config, '--min-fill-seconds', '0', '--mail-interval', '1'] })
    const child = await launchBrowser({ javaScriptEnabled })
    const parent = await launchBrowser({ javaScriptEnabled })
    const audit = javaScriptEnabled ? check : async () => {}
    const tag = javaScriptEnabled ? 'js' : 'nojs'
    const email = `alex.${tag}@example.com`
    const parentEmail = `parent.${tag}@example.com`
    try {
      const page = await child.context.newPage()
      const reference = await sendAsUnder16(page, server.base, audit, { email, parent: parentEmail, message: 'My foster placement is moving me again.' })
      await smtp.waitFor(email, /we need your parent's or guardian's permission/)

      // The parent reads what they are agreeing to, without the message.
      const asked = await smtp.waitFor(parentEmail, /\/permission\//)
      assert.doesNotMatch(asked, /foster placement/)
      const p = await parent.context.newPage()
      await p.goto(`${server.base}${permissionLink(asked)}`)
      await p.getByRole('heading', { name: 'Your permission for Contact us' }).waitFor()
      const explained = await p.textContent('main')
      assert.match(explained, /What we will do with it/)
      assert.match(explained, /We will not show you what they wrote/)
      assert.doesNotMatch(explained, /foster placement/)
      await audit(p, 'permission')
      await p.getByRole('button', { name: 'Continue' }).click()
      await p.getByText('There is a problem').waitFor()
      assert.match(await p.title(), /^Error: /)
      await audit(p, 'permission with an error')
      await p.getByLabel('Yes, I am their parent or guardian and I give permission').check()
      await p.getByRole('button', { name: 'Continue' }).click()
      await p.getByRole('heading', { name: 'Thank you for giving permission' }).waitFor()
      await audit(p, 'permission given')

      // The young person gets the usual confirmation, and the form is in
      // the inbox like any other.
      await smtp.waitFor(email, new RegExp(`We have received your form[\\s\\S]*${reference}`))
      const staff = await signInCaseworker(parent, server, `casey${tag}`)
      await staff.goto(`${server.base}/staff/cases`)
      await staff.getByRole('link', { name: reference }).click()
      assert.match(await staff.textContent('main'), /My foster placement is moving me again\./)
      assert.doesNotMatch(await staff.textContent('main'), new RegExp(parentEmail.replace('.', '\\.')))
    } finally {
      await child.close()
      await parent.close()
      await server.stop()
      smtp.stop()
    }
  })
}

test('a young person\'s form is deleted when no parent answers in time', async () => {
  const smtp = await startSmtp()
  const config = configWithSmtp(join(examples, 'childrens-commissioner.toml'), smtp)
  const server = await startServer({ args: ['--config', config, '--min-fill-seconds', '0', '--mail-interval', '1', '--no-jobs'] })
  const child = await launchBrowser()
  const parent = await launchBrowser()
  try {
    const page = await child.context.newPage()
    const reference = await sendAsUnder16(page, server.base, async () => {}, { email: 'sam.late@example.com', parent: 'busy.parent@example.com', message: 'Can I change schools?' })
    runCli(server, ['mail', 'deliver', '--config', config])
    const asked = await smtp.waitFor('busy.parent@example.com', /\/permission\//)

    // A staff member cannot find the held form meanwhile.
    const staff = await signInCaseworker(parent, server, 'casey')
    await staff.goto(`${server.base}/staff/cases`)
    assert.doesNotMatch(await staff.textContent('main'), new RegExp(reference))

    // Eight days on, retention deletes it all.
    const eightDaysOn = new Date(Date.now() + 8 * 24 * 60 * 60 * 1000).toISOString().replace(/\.\d+Z$/, 'Z')
    const ran = runCli(server, ['retention', '--config', config, '--at', eightDaysOn])
    assert.match(ran, /deleted [1-9]\d* records/)
    const p = await parent.context.newPage()
    await p.goto(`${server.base}${permissionLink(asked)}`)
    await p.getByRole('heading', { name: 'This link has expired or has already been used' }).waitFor()
    await check(p, 'expired link')
  } finally {
    await child.close()
    await parent.close()
    await server.stop()
    smtp.stop()
  }
})
