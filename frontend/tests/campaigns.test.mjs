// Campaign capping in a real browser, on the Connexions example (its
// campaign pilot): with campaign cookies accepted the browser gets one
// random anonymous number and sees each campaign at most three times; with
// them rejected no campaign cookie is ever set and campaigns keep taking
// turns; both without JavaScript, which the slot does not need. The home
// page with a campaign on it is checked by axe-core.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startServer, launchBrowser, accessibilityViolations } from './support.mjs'

const examples = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples')

// The example's campaigns end in 2027: make them run whenever this runs.
function config () {
  const dir = mkdtempSync(join(tmpdir(), 'custodian-campaigns-'))
  const file = join(dir, 'site.toml')
  const source = readFileSync(join(examples, 'connexions.toml'), 'utf8')
    .replaceAll('starts = "2026-08-01"', 'starts = "2020-01-01"')
    .replaceAll('ends = "2027-09-30"', 'ends = "2099-12-31"')
  writeFileSync(file, source)
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

async function campaignShown (page) {
  const campaign = page.locator('[data-campaign]')
  if (await campaign.count() === 0) return null
  return campaign.getAttribute('data-campaign')
}

async function campaignCookie (context) {
  return (await context.cookies()).find((c) => c.name === 'campaign_id')
}

for (const [button, accepted] of [['Accept', true], ['Reject', false]]) {
  test(`campaigns with additional cookies ${accepted ? 'accepted' : 'rejected'}`, { timeout: 60000 }, async () => {
    const { file, remove } = config()
    const server = await startServer({ args: ['--config', file] })
    const browser = await launchBrowser({ javaScriptEnabled: false })
    try {
      const page = await browser.context.newPage()
      await page.goto(`${server.base}/privacy`)
      await page.getByRole('button', { name: `${button} additional cookies` }).click()
      await page.waitForURL(`${server.base}/privacy`)
      assert.equal(await campaignCookie(browser.context), undefined, 'nothing set until a campaign is shown')

      const seen = []
      for (let visit = 0; visit < 8; visit++) {
        await page.goto(`${server.base}/`)
        seen.push(await campaignShown(page))
        if (visit === 0) {
          const heading = page.getByRole('heading', { name: /Got your exam results\?|Know your rights at work/ })
          await assert.doesNotReject(heading.waitFor(), 'the campaign is on the page')
        }
      }
      const count = (id) => seen.filter((s) => s === id).length
      const cookie = await campaignCookie(browser.context)
      if (accepted) {
        assert.match(cookie?.value ?? '', /^[0-9a-f]{32}$/, 'a random anonymous number')
        assert.equal(cookie.httpOnly, true)
        assert.ok(cookie.expires > Date.now() / 1000 + 360 * 24 * 3600, 'it lasts a year')
        assert.equal(count('results_day'), 3, `capped at 3 in 7 days: ${seen}`)
        assert.equal(count('rights_at_work'), 3, `capped at 3 in 7 days: ${seen}`)
        assert.deepEqual(seen.slice(6), [null, null], 'nothing once both are at their caps')
      } else {
        assert.equal(cookie, undefined, 'no campaign cookie without consent')
        assert.ok(seen.every((s) => s !== null), `campaigns keep taking turns: ${seen}`)
        assert.ok(count('results_day') > 3 || count('rights_at_work') > 3, `no cap without the cookie: ${seen}`)
      }
      // axe needs JavaScript: a second browser, with it on, checks the
      // same page with a campaign on it.
      const checker = await launchBrowser({ javaScriptEnabled: true })
      try {
        const other = await checker.context.newPage()
        await other.goto(`${server.base}/`)
        assert.notEqual(await campaignShown(other), null)
        const violations = await accessibilityViolations(other)
        assert.deepEqual(violations, [], JSON.stringify(violations, null, 2))
      } finally {
        await checker.close()
      }
    } finally {
      await browser.close()
      await server.stop()
      remove()
    }
  })
}
