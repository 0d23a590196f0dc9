// Every page, in every state a person can reach, passes axe-core's WCAG 2.2
// AA rules in headless Chromium.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, launchBrowser, accessibilityViolations } from './support.mjs'

let server
let browser
before(async () => {
  server = await startServer()
  browser = await launchBrowser()
})
after(async () => {
  await browser.close()
  await server.stop()
})

async function check (page, label) {
  const violations = await accessibilityViolations(page)
  assert.deepEqual(violations, [], `${label}: ${JSON.stringify(violations, null, 2)}`)
}

const PAGES = ['/', '/privacy', '/privacy/versions', '/privacy/versions/1', '/cookies', '/accessibility']

for (const path of PAGES) {
  test(`${path} has no WCAG 2.2 AA violations (with the cookie banner)`, async () => {
    const page = await browser.context.newPage()
    await page.goto(`${server.base}${path}`)
    await check(page, path)
    await page.close()
  })
}

test('the 404 page has no WCAG 2.2 AA violations', async () => {
  const page = await browser.context.newPage()
  const response = await page.goto(`${server.base}/no/such/page`)
  assert.equal(response.status(), 404)
  await check(page, '404')
  await page.close()
})

test('the 403 page (a refused form) has no WCAG 2.2 AA violations', async () => {
  const page = await browser.context.newPage()
  await page.goto(`${server.base}/cookies`)
  await page.evaluate(() => { document.querySelector('input[name=request_token]').value = 'forged' })
  await page.getByRole('button', { name: 'Save cookie settings' }).click()
  await page.getByRole('heading', { name: 'Your form could not be sent' }).waitFor()
  await check(page, '403')
  await page.close()
})

test('the cookies page with an error has no WCAG 2.2 AA violations', async () => {
  const page = await browser.context.newPage()
  await page.goto(`${server.base}/cookies`)
  await page.evaluate(() => { for (const r of document.querySelectorAll('input[type=radio]')) r.checked = false })
  await page.getByRole('button', { name: 'Save cookie settings' }).click()
  await page.getByText('There is a problem').waitFor()
  assert.match(await page.title(), /^Error: /)
  await check(page, 'cookies with error')
  await page.close()
})

test('the banner confirmation and the saved cookies page have no WCAG 2.2 AA violations', async () => {
  const page = await browser.context.newPage()
  await page.goto(`${server.base}/`)
  await page.getByRole('button', { name: 'Accept additional cookies' }).click()
  await page.getByText("You've accepted additional cookies").waitFor()
  await check(page, 'banner confirmation')
  await page.goto(`${server.base}/cookies`)
  await page.getByRole('button', { name: 'Save cookie settings' }).click()
  await page.getByText("You've set your cookie preferences").waitFor()
  await check(page, 'cookies saved')
  await page.close()
})

test('the checker itself reports a violation when one exists', async () => {
  const page = await browser.context.newPage()
  await page.goto(`${server.base}/`)
  await page.evaluate(() => {
    const img = document.createElement('img')
    img.src = '/assets/none.png'
    document.querySelector('main').append(img)
  })
  const violations = await accessibilityViolations(page)
  assert.ok(violations.some((v) => v.id === 'image-alt'), JSON.stringify(violations))
  await page.close()
})
