import { readFileSync } from 'node:fs'
import { join } from 'node:path'

let html: string | undefined

/**
 * The web view: one self-contained page (inline CSS and JS, no build step, nothing fetched from
 * elsewhere), read once from `web-view.html` beside this module. It polls `/api/topology` once
 * and `/api/status` every second.
 */
export function webViewHtml(): string {
  html ??= readFileSync(join(import.meta.dirname, 'web-view.html'), 'utf8')
  return html
}
