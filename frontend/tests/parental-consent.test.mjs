// Children first, in a real browser, on the Children's Commissioner example
// (age 16), with mail delivered to a real SMTP server on loopback.
//
// A child under 16 who asks Help at Hand for help is never held for a
// parent: Help at Hand is public task, so their form reaches the
// caseworkers' inbox at once, and every page shows where to get help now.
// The newsletter rests on consent, so a child under 16 who signs up waits
// for a parent or guardian, whose email names the organisation, the kind
// of service and the link, and nothing about health, wellbeing or safety.
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

function linkIn (message, prefix) {
  const match = message.match(new RegExp(`https?://[^\\s"<>]*(${prefix}[A-Za-z0-9_.-]*)`))
  if (!match) throw new Error(`no ${prefix} link in:\n${message}`)
  return match[1]
}

async function showsHelp (page, label) {
  const inset = page.locator('.app-help-now')
  await inset.waitFor()
  assert.match(await inset.textContent(), /If you need help now[\s\S]*0800 1111[\s\S]*999/, label)
}

for (const javaScriptEnabled of [true, false]) {
  const js = javaScriptEnabled ? 'on' : 'off'
  const tag = javaScriptEnabled ? 'js' : 'nojs'

  test(`a child under 16 asks Help at Hand for help and it reaches the caseworkers at once, with JavaScript ${js}`, async () => {
    const smtp = await startSmtp()
    const config = configWithSmtp(join(examples, 'childrens-commissioner.toml'), smtp)
    const server = await startServer({ args: ['--config', config, '--min-fill-seconds', '0', '--mail-interval', '1'] })
    const child = await launchBrowser({ javaScriptEnabled })
    const staffBrowser = await launchBrowser({ javaScriptEnabled })
    const audit = javaScriptEnabled ? check : async () => {}
    const email = `jo.${tag}@example.com`
    try {
      const page = await child.context.newPage()
      await page.goto(`${server.base}/forms/help_at_hand`)
      await showsHelp(page, 'start page')
      await audit(page, 'start page with the help inset')
      await page.getByRole('button', { name: 'Start now' }).click()
      // No age question: the form's own first question.
      await page.getByLabel('What is your name?').fill('Jo')
      await showsHelp(page, 'first question')
      await page.getByRole('button', { name: 'Continue' }).click()
      await page.getByLabel('Email address').fill(email)
      await page.getByRole('button', { name: 'Continue' }).click()
      await page.getByLabel('I am in care').check()
      await page.getByRole('button', { name: 'Continue' }).click()
      await page.getByLabel('What is the problem?').fill('I do not feel safe at home.')
      await showsHelp(page, 'the problem question')
      await audit(page, 'a question with the help inset')
      await page.getByRole('button', { name: 'Continue' }).click()
      await page.getByRole('button', { name: 'Send' }).click()
      await page.getByRole('heading', { name: 'Form sent' }).waitFor()
      await showsHelp(page, 'confirmation')
      await audit(page, 'confirmation')
      const reference = (await page.textContent('#reference')).trim()

      // The confirmation email links the portal, which opens from it.
      const mail = await smtp.waitFor(email, /we have your message/)
      assert.match(mail, /If you need help now: Call Childline free on 0800 1111/)
      assert.doesNotMatch(mail, /do not feel safe/)
      await page.goto(`${server.base}${linkIn(mail, '/your-data')}`)
      await page.getByRole('heading', { name: /your data|information we hold/i }).first().waitFor()

      // In the Help at Hand advisers' inbox straight away.
      const secret = addStaff(server, `adviser${tag}`, 'caseworker', ['help_at_hand'])
      const staff = await staffBrowser.context.newPage()
      await signInStaff(staff, server.base, `adviser${tag}`, secret)
      await staff.goto(`${server.base}/staff/cases`)
      await staff.getByRole('link', { name: reference }).click()
      assert.match(await staff.textContent('main'), /I do not feel safe at home\./)
    } finally {
      await child.close()
      await staffBrowser.close()
      await server.stop()
      smtp.stop()
    }
  })

  test(`a child under 16 signs up for the newsletter and waits for a parent, with JavaScript ${js}`, async () => {
    const smtp = await startSmtp()
    const config = configWithSmtp(join(examples, 'childrens-commissioner.toml'), smtp)
    const server = await startServer({ args: ['--config', config, '--min-fill-seconds', '0', '--mail-interval', '1'] })
    const child = await launchBrowser({ javaScriptEnabled })
    const parent = await launchBrowser({ javaScriptEnabled })
    const audit = javaScriptEnabled ? check : async () => {}
    const email = `alex.${tag}@example.com`
    const parentEmail = `parent.${tag}@example.com`
    try {
      const page = await child.context.newPage()
      await page.goto(`${server.base}/updates`)
      await showsHelp(page, 'sign-up')
        await page.getByLabel('Email address', { exact: true }).fill(email)
      await page.getByLabel('Under 16').check()
      await page.getByLabel("Your parent's or guardian's email address").fill('not an address')
      await page.getByRole('button', { name: 'Subscribe' }).click()
      await page.getByText('There is a problem').waitFor()
      assert.match(await page.title(), /^Error: /)
      await audit(page, 'sign-up with an error')
      await page.getByLabel("Your parent's or guardian's email address").fill(parentEmail)
      await page.getByRole('button', { name: 'Subscribe' }).click()
      await page.getByRole('heading', { name: 'Check your email' }).waitFor()
      assert.match(await page.textContent('main'), new RegExp(email.replace('.', '\\.')))
      assert.match(await page.textContent('main'), /we will email your parent or guardian/)
      await audit(page, 'check your email')

      const confirm = await smtp.waitFor(email, /Confirm your email updates/)
      assert.match(confirm, /\/your-data/)
      await page.goto(`${server.base}${linkIn(confirm, '/updates/confirm/')}`)
      await page.getByRole('button', { name: 'Start my updates' }).click()
      await page.getByRole('heading', { name: "Waiting for your parent's or guardian's permission" }).waitFor()
      await showsHelp(page, 'held')
      await audit(page, 'held')

      // The parent's email names the organisation, the service and the
      // link: no kind of sensitive information, nothing the child gave.
      const asked = await smtp.waitFor(parentEmail, /\/permission\/updates\//)
      assert.match(asked, /Children's Commissioner/)
      assert.match(asked, /Sending our newsletter/)
      assert.doesNotMatch(asked, /health|wellbeing|safety|Childline/i)
      assert.doesNotMatch(asked, new RegExp(email.replace('.', '\\.')))
      const p = await parent.context.newPage()
      await p.goto(`${server.base}${linkIn(asked, '/permission/updates/')}`)
      await p.getByRole('heading', { name: 'Your permission for their email updates' }).waitFor()
      await audit(p, 'permission')
      await p.getByRole('button', { name: 'Continue' }).click()
      await p.getByText('There is a problem').waitFor()
      await audit(p, 'permission with an error')
      await p.getByLabel('Yes, I am their parent or guardian and I give permission').check()
      await p.getByRole('button', { name: 'Continue' }).click()
      await p.getByRole('heading', { name: 'Thank you for giving permission' }).waitFor()
      await audit(p, 'permission given')
    } finally {
      await child.close()
      await parent.close()
      await server.stop()
      smtp.stop()
    }
  })
}

test('a child\'s newsletter sign-up is deleted when no parent answers in time', async () => {
  const smtp = await startSmtp()
  const config = configWithSmtp(join(examples, 'childrens-commissioner.toml'), smtp)
  const server = await startServer({ args: ['--config', config, '--min-fill-seconds', '0', '--mail-interval', '1'] })
  const child = await launchBrowser()
  const parent = await launchBrowser()
  try {
    const page = await child.context.newPage()
    await page.goto(`${server.base}/updates`)
    await page.getByLabel('Email address', { exact: true }).fill('sam.late@example.com')
    await page.getByLabel('Under 16').check()
    await page.getByLabel("Your parent's or guardian's email address").fill('busy.parent@example.com')
    await page.getByRole('button', { name: 'Subscribe' }).click()
    const confirm = await smtp.waitFor('sam.late@example.com', /Confirm your email updates/)
    await page.goto(`${server.base}${linkIn(confirm, '/updates/confirm/')}`)
    await page.getByRole('button', { name: 'Start my updates' }).click()
    const asked = await smtp.waitFor('busy.parent@example.com', /\/permission\/updates\//)

    // Eight days on, retention deletes it all.
    const eightDaysOn = new Date(Date.now() + 8 * 24 * 60 * 60 * 1000).toISOString().replace(/\.\d+Z$/, 'Z')
    const ran = runCli(server, ['retention', '--config', config, '--at', eightDaysOn])
    assert.match(ran, /deleted [1-9]\d* records/)
    const p = await parent.context.newPage()
    await p.goto(`${server.base}${linkIn(asked, '/permission/updates/')}`)
    await p.getByRole('heading', { name: 'This link has expired or has already been used' }).waitFor()
    await check(p, 'expired link')
  } finally {
    await child.close()
    await parent.close()
    await server.stop()
    smtp.stop()
  }
})
