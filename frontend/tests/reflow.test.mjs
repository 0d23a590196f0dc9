// Reflow (WCAG 2.2 1.4.10): at 320 CSS pixels wide, the width of a phone
// or of a 1280-pixel screen at 400% zoom, no page of any example is wider
// than the window, so nobody has to scroll sideways to read a line. axe-core
// cannot see this, so this test measures it. On the way, every page is
// checked for the footer link to the your-data portal.
//
// For each example, a visitor and then a member of staff in each role
// follow every link they can reach on the site (GET only; downloads and
// signing out left alone), and each page is measured at 320 pixels. A
// message is sent through a form first, so that the staff side has a case,
// a person and an audit log to show.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startServer, launchBrowser, addStaff, signInStaff, sendAForm } from './support.mjs'

const examples = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples')
const WIDTH = 320
// No crawl is unbounded: each example has far fewer pages than this.
const MOST_PAGES = 250

// Links a crawl does not follow: another site, a download, a side effect.
function followable (base, href) {
  if (!href.startsWith(base)) return false
  const path = new URL(href).pathname
  if (/\.[a-z0-9]+$/i.test(path)) return false
  if (path.startsWith('/assets/')) return false
  if (/sign-out|\/export|\/unsubscribe\//.test(path)) return false
  return true
}

// The widest elements of a page wider than the window, for the message.
async function overflow (page) {
  return page.evaluate(() => {
    const root = document.documentElement
    if (root.scrollWidth <= root.clientWidth) return null
    const wide = [...document.querySelectorAll('body *')]
      .map((e) => ({ e, right: e.getBoundingClientRect().right }))
      .filter(({ right }) => right > root.clientWidth + 1)
      .sort((a, b) => b.right - a.right)
      .slice(0, 3)
      .map(({ e, right }) => `${e.tagName.toLowerCase()}${e.className ? '.' + String(e.className).split(' ').join('.') : ''} (${Math.round(right)}px): ${(e.textContent || '').trim().slice(0, 60)}`)
    return { width: root.scrollWidth, wide }
  })
}

// Visit every page reachable from `start` on `page`; returns the pages
// wider than the window and how many were measured.
async function crawl (page, base, start, seen, within = '/') {
  const queue = [...start]
  const problems = []
  let measured = 0
  while (queue.length > 0 && seen.size < MOST_PAGES) {
    const path = queue.shift()
    if (seen.has(path)) continue
    seen.add(path)
    const response = await page.goto(`${base}${path}`)
    const type = response?.headers()['content-type'] ?? ''
    if (!type.startsWith('text/html')) continue
    measured++
    const found = await overflow(page)
    if (found) problems.push(`${path} is ${found.width}px wide:\n    ${found.wide.join('\n    ')}`)
    // Every page's footer leads to the your-data portal (every example
    // has one), so a person's rights are never more than a click away.
    if (await page.locator('footer a.govuk-footer__link[href="/your-data"]').count() !== 1) {
      problems.push(`${path} has no link to the your-data portal in its footer`)
    }
    const links = await page.$$eval('a[href]', (as) => as.map((a) => a.href.split('#')[0]))
    for (const href of links) {
      if (!followable(base, href)) continue
      const url = new URL(href)
      const next = url.pathname + url.search
      if (next.startsWith(within) && !seen.has(next)) queue.push(next)
    }
  }
  return { problems, measured }
}


function teamsOf (configPath) {
  return [...readFileSync(configPath, 'utf8').matchAll(/^\[teams\.([a-z0-9_]+)\]/gm)].map((m) => m[1])
}

const SITES = [
  { name: "the Children's Commissioner (the demo)", config: null, teams: teamsOf(join(examples, 'childrens-commissioner.toml')) },
  { name: 'Civil Service Jobs', config: join(examples, 'civil-service-jobs.toml') },
  { name: 'Connexions', config: join(examples, 'connexions.toml') }
]

for (const site of SITES) {
  test(`every page of ${site.name} reflows at ${WIDTH} CSS pixels, public and staff`, async () => {
    const args = ['--min-fill-seconds', '0']
    if (site.config) args.push('--config', site.config)
    const server = await startServer({ args })
    const browser = await launchBrowser()
    const problems = []
    let measured = 0
    try {
      const page = await browser.context.newPage()
      await page.setViewportSize({ width: WIDTH, height: 640 })
      await sendAForm(page, server.base)
      const visitor = await crawl(page, server.base, ['/', '/privacy', '/cookies', '/accessibility', '/forms', '/updates', '/your-data', '/account/sign-in', '/account/register', '/staff/sign-in'], new Set())
      problems.push(...visitor.problems)
      measured += visitor.measured
      await page.close()

      const teams = site.teams ?? (site.config ? teamsOf(site.config) : [])
      for (const role of ['admin', 'dpo', 'caseworker', 'analyst', 'editor']) {
        if (role === 'caseworker' && teams.length === 0) continue
        const username = `reflow-${role}`
        const secret = addStaff(server, username, role, role === 'caseworker' ? teams : [], site.config)
        const context = await launchBrowser()
        try {
          const staff = await context.context.newPage()
          await signInStaff(staff, server.base, username, secret)
          await staff.setViewportSize({ width: WIDTH, height: 640 })
          const start = ['/staff']
          if (role === 'dpo') {
            // The person page is reached by a search, not a link.
            await staff.goto(`${server.base}/staff/people`)
            await staff.getByLabel('Their email address').fill('sam.reflow@example.com')
            await staff.getByRole('button', { name: 'Find' }).click()
            const found = await overflow(staff)
            if (found) problems.push(`the DPO's person page is ${found.width}px wide:\n    ${found.wide.join('\n    ')}`)
          }
          // The public pages were measured above; here, the staff area.
          const result = await crawl(staff, server.base, start, new Set(['/staff/sign-in']), '/staff')
          problems.push(...result.problems.map((p) => `as ${role}: ${p}`))
          measured += result.measured
        } finally {
          await context.close()
        }
      }
    } finally {
      await browser.close()
      await server.stop()
    }
    assert.ok(measured > 20, `only ${measured} pages were measured`)
    assert.deepEqual(problems, [], `${problems.length} pages are wider than ${WIDTH}px:\n${problems.join('\n')}`)
  })
}
