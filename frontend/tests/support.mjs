// Test kit for the browser tests: the real custodian binary serving the
// built-in demo site on a random port, and Debian's Chromium driven by
// playwright-core.
import { spawn, spawnSync } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'
import { chromium } from 'playwright-core'

const here = dirname(fileURLToPath(import.meta.url))
const binary = process.env.CUSTODIAN_BIN ?? join(here, '..', '..', 'target', 'debug', 'custodian')

// `args`: extra `serve` arguments, such as ['--config', file].
export async function startServer ({ args = [] } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'custodian-browser-'))
  // The demo site on SQLite, whatever the calling environment configures.
  const env = { ...process.env }
  delete env.CUSTODIAN_CONFIG
  delete env.CUSTODIAN_DATABASE_URL
  const child = spawn(binary, ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => { stderr += chunk })
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`custodian did not start:\n${stderr}`)), 30000)
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = line.match(/^Listening on (http:\/\/\S+?)\/? /)
      if (match) { clearTimeout(timer); resolve(match[1]) }
    })
    child.on('exit', (code) => reject(new Error(`custodian exited with ${code}:\n${stderr}`)))
  })
  return {
    base,
    dataDir,
    async stop () {
      child.kill('SIGTERM')
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
}

export async function launchBrowser ({ javaScriptEnabled = true } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'custodian-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    javaScriptEnabled,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync']
  })
  return {
    context,
    async close () {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    }
  }
}

const axeSource = readFileSync(join(here, '..', 'node_modules', 'axe-core', 'axe.min.js'), 'utf8')
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']

// Runs axe-core in the page. The strict Content-Security-Policy blocks
// injected script tags, so axe is evaluated directly.
export async function accessibilityViolations (page) {
  // axe needs JavaScript; pages checked without it are rechecked by the
  // JavaScript-on runs, which render the same markup.
  await page.evaluate(axeSource)
  const results = await page.evaluate(async (tags) => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: 'tag', values: tags } })
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }))
  }, WCAG_TAGS)
  return results
}

// Create a staff account through the CLI, as an operator would; returns the
// authenticator secret it prints.
export function addStaff (server, username, role) {
  const env = { ...process.env }
  delete env.CUSTODIAN_CONFIG
  delete env.CUSTODIAN_DATABASE_URL
  const out = spawnSync(binary, ['staff', 'add', '--username', username, '--role', role, '--password-stdin', '--data-dir', server.dataDir], {
    input: 'a long staff passphrase\n',
    env,
    encoding: 'utf8'
  })
  const match = out.stdout.match(/^authenticator secret: (\S+)$/m)
  if (!match) throw new Error(`staff add failed: ${out.stderr}`)
  return match[1]
}

// The current 6-digit code for a base32 secret (RFC 6238, SHA-1, 30 s).
export function totp (secret, seconds = Date.now() / 1000) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = 0
  let value = 0
  const bytes = []
  for (const c of secret.replace(/=+$/, '')) {
    value = (value << 5) | alphabet.indexOf(c)
    bits += 5
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 255)
      bits -= 8
    }
  }
  const counter = Buffer.alloc(8)
  counter.writeBigUInt64BE(BigInt(Math.floor(seconds / 30)))
  const mac = createHmac('sha1', Buffer.from(bytes)).update(counter).digest()
  const offset = mac[19] & 15
  return ((mac.readUInt32BE(offset) & 0x7fffffff) % 1000000).toString().padStart(6, '0')
}
