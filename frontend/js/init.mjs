// Loaded as a module file so the Content-Security-Policy needs no
// 'unsafe-inline'. Every page works without this script.
import { initAll } from './govuk-frontend.min.js'
import { initUpdatePreview } from './update-preview.mjs'

initAll()
initUpdatePreview()
