// Live preview for an editor writing an update: as they type, the server
// renders the Markdown (the same renderer that makes the email) and the
// preview below the box follows. Without JavaScript the Preview button
// does the same with a full page.
const DELAY_MS = 400

export function initUpdatePreview () {
  const box = document.querySelector('textarea[data-preview]')
  if (!box) return
  const target = document.getElementById(box.dataset.preview)
  const form = box.form
  if (!target || !form) return
  let timer
  box.addEventListener('input', () => {
    clearTimeout(timer)
    timer = setTimeout(async () => {
      const fields = new URLSearchParams()
      for (const input of form.querySelectorAll('input[type=hidden]')) fields.append(input.name, input.value)
      fields.append('body', box.value)
      try {
        const response = await fetch('/staff/updates/preview', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: fields,
          credentials: 'same-origin'
        })
        if (response.ok) target.innerHTML = await response.text()
      } catch {
        // The Preview button still works.
      }
    }, DELAY_MS)
  })
}
