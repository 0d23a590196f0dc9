// The site usage statistics dashboard in a real browser: logs generated
// and ingested with the real binary, an analyst signs in, reads the chart
// and tables, and asks for a wrong date; axe-core checks every page.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { startServer, launchBrowser, accessibilityViolations, addStaff, runCli, signInStaff } from './support.mjs'

async function check (page, label) {
  const violations = await accessibilityViolations(page)
  assert.deepEqual(violations, [], `${label}: ${JSON.stringify(violations, null, 2)}`)
}

for (const javaScriptEnabled of [true, false]) {
  test(`an analyst reads site usage statistics, with JavaScript ${javaScriptEnabled ? 'on' : 'off'}`, async () => {
    const server = await startServer()
    const browser = await launchBrowser({ javaScriptEnabled })
    const audit = javaScriptEnabled ? check : async () => {}
    try {
      const log = join(server.dataDir, 'access.log')
      runCli(server, ['logs', 'generate', '--lines', '3000', '--days', '3', '--start', '2026-11-01', '--out', log])
      assert.match(runCli(server, ['logs', 'ingest', log]), /read 3000 lines/)
      const secret = addStaff(server, 'annie', 'analyst')
      const page = await browser.context.newPage()
      await signInStaff(page, server.base, 'annie', secret)
      await page.getByRole('link', { name: 'Site usage statistics' }).click()
      await page.getByLabel('From (YYYY-MM-DD)').fill('2026-11-01')
      await page.getByLabel('To (YYYY-MM-DD)').fill('2026-11-03')
      await page.getByRole('button', { name: 'Show' }).click()
      await page.getByRole('heading', { name: '1 November 2026 to 3 November 2026' }).waitFor()
      await page.getByRole('img', { name: /Pageviews and visitors by day/ }).waitFor()
      assert.match(await page.textContent('main'), /sum of each day/i)
      await audit(page, 'dashboard')

      await page.getByLabel('From (YYYY-MM-DD)').fill('1 Nov')
      await page.getByRole('button', { name: 'Show' }).click()
      await page.getByText('There is a problem').waitFor()
      assert.match(await page.title(), /^Error: /)
      await audit(page, 'dashboard with an error')
    } finally {
      await browser.close()
      await server.stop()
    }
  })
}
