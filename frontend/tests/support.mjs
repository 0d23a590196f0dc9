// Test kit for the browser tests: the real custodian binary serving the
// built-in demo site on a random port, and Debian's Chromium driven by
// playwright-core.
import { spawn, spawnSync } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'
import { createServer, connect } from 'node:net'
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
      // The server writes as it stops (the audit log's head, counts held
      // in memory): wait for it before removing its directory.
      const exited = child.exitCode !== null || child.signalCode !== null
        ? Promise.resolve()
        : new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10000).unref())])
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
// `teams`: for a caseworker, the teams whose cases they answer.
// `config`: the site's config file, where it is not the built-in demo.
export function addStaff (server, username, role, teams = [], config = null) {
  const env = { ...process.env }
  delete env.CUSTODIAN_CONFIG
  delete env.CUSTODIAN_DATABASE_URL
  const out = spawnSync(binary, ['staff', 'add', '--username', username, '--role', role, ...teams.flatMap((t) => ['--team', t]), '--password-stdin', '--data-dir', server.dataDir, ...(config ? ['--config', config] : [])], {
    input: 'a long staff passphrase\n',
    env,
    encoding: 'utf8'
  })
  const match = out.stdout.match(/^authenticator secret: (\S+)$/m)
  if (!match) throw new Error(`staff add failed: ${out.stderr}`)
  return match[1]
}

// Run a `custodian` command against a started server's data, such as
// ['retention', '--config', file, '--at', time]; its standard output.
export function runCli (server, args) {
  const env = { ...process.env }
  delete env.CUSTODIAN_CONFIG
  delete env.CUSTODIAN_DATABASE_URL
  const out = spawnSync(binary, [...args, '--data-dir', server.dataDir], { env, encoding: 'utf8' })
  if (out.status !== 0) throw new Error(`custodian ${args.join(' ')} failed: ${out.stderr}`)
  return out.stdout
}

// Sign a member of staff in on `page` with the password addStaff gives and
// the current code for `secret`, and wait for the staff home page.
export async function signInStaff (page, base, username, secret) {
  await page.goto(`${base}/staff/sign-in`)
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill('a long staff passphrase')
  await page.getByLabel('Code from your authenticator app').fill(totp(secret))
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL(`${base}/staff`)
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

// A real SMTP server on loopback (aiosmtpd, installed by scripts/setup
// --tests), keeping what it receives in a Maildir.
export async function startSmtp () {
  const maildir = mkdtempSync(join(tmpdir(), 'custodian-smtp-'))
  for (const sub of ['tmp', 'new', 'cur']) mkdirSync(join(maildir, sub), { recursive: true })
  const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
  const child = spawn('python3', ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, '-c', 'aiosmtpd.handlers.Mailbox', maildir], { stdio: 'ignore' })
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => { socket.end(); resolve(true) })
      socket.on('error', () => resolve(false))
    })
    if (up) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const messages = () => readdirSync(join(maildir, 'new')).map((f) => readFileSync(join(maildir, 'new', f), 'utf8'))
  return {
    port,
    messages,
    // The first message to `to` whose text matches `pattern`, with
    // quoted-printable soft breaks undone so links read whole.
    async waitFor (to, pattern) {
      for (let i = 0; i < 300; i++) {
        const found = messages().map((m) => m.replace(/=\r?\n/g, '').replace(/=3D/g, '=')).find((m) => m.includes(`To: ${to}`) && pattern.test(m))
        if (found) return found
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      throw new Error(`no message to ${to} matching ${pattern}`)
    },
    stop () {
      child.kill('SIGTERM')
      rmSync(maildir, { recursive: true, force: true })
    }
  }
}

// A copy of a site config that sends mail through `smtp`.
export function configWithSmtp (configPath, smtp) {
  const dir = mkdtempSync(join(tmpdir(), 'custodian-config-'))
  const file = join(dir, 'site.toml')
  writeFileSync(file, readFileSync(configPath, 'utf8') +
    `\n[mail]\nfrom = "Custodian test <noreply@test.example>"\ntransport = "smtp"\nsmtp_host = "127.0.0.1"\nsmtp_port = ${smtp.port}\nsmtp_security = "none"\n`)
  return file
}

// A message through the example's first form, answering every question
// with something valid, so that staff pages have a case to show.
export async function sendAForm (page, base, email = 'sam.reflow@example.com') {
  await page.goto(`${base}/forms`)
  const first = page.locator('main a[href^="/forms/"]').first()
  if (await first.count() === 0) return
  await first.click()
  const start = page.getByRole('button', { name: 'Start now' })
  if (await start.count() > 0) await start.click()
  for (let step = 0; step < 20; step++) {
    if (await page.getByRole('button', { name: 'Send' }).count() > 0) {
      await page.getByRole('button', { name: 'Send' }).click()
      return
    }
    for (const input of await page.locator('main input[type=radio]').all()) {
      const name = await input.getAttribute('name')
      if (await page.locator(`main input[name="${name}"]:checked`).count() === 0) await input.check()
    }
    for (const box of await page.locator('main input[type=checkbox]').all()) await box.check()
    // Only the fields a person sees: the honeypot stays empty.
    for (const input of await page.locator('main input[type=text]:not([tabindex="-1"]), main input:not([type]):not([tabindex="-1"])').all()) await input.fill('Sam Example')
    for (const input of await page.locator('main input[type=email]').all()) await input.fill(email)
    for (const input of await page.locator('main input[type=tel]').all()) await input.fill('')
    for (const area of await page.locator('main textarea').all()) await area.fill('A message long enough to read, with an address like sam.reflow.with.a.long.name@example-organisation.org.uk in it.')
    for (const input of await page.locator('main input[inputmode=numeric]').all()) await input.fill('1')
    const next = page.getByRole('button', { name: 'Continue' })
    if (await next.count() === 0) return
    await next.click()
  }
}
