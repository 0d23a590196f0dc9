// Builds frontend/dist: the compiled stylesheet and GOV.UK Frontend's script.
// The Rust server embeds (release) or reads (debug) this folder; nothing from
// node_modules is committed.
import { mkdirSync, copyFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as sass from 'sass'

const here = dirname(fileURLToPath(import.meta.url))
const dist = join(here, 'dist')
mkdirSync(dist, { recursive: true })

const css = sass.compile(join(here, 'scss', 'app.scss'), {
  style: 'compressed',
  sourceMap: false,
  importers: [new sass.NodePackageImporter()],
  quietDeps: true
})
writeFileSync(join(dist, 'app.css'), css.css)

const govuk = join(here, 'node_modules', 'govuk-frontend', 'dist', 'govuk')
copyFileSync(join(govuk, 'govuk-frontend.min.js'), join(dist, 'govuk-frontend.min.js'))
for (const file of ['init.mjs', 'update-preview.mjs']) copyFileSync(join(here, 'js', file), join(dist, file))
console.log(`built ${dist}`)
