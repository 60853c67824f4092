/** Handing files to the user: a save dialog in Electron for text, a browser download otherwise. */

/** Downloads a blob through an <a download> with a blob URL (works in Electron too). */
export function downloadBlob(filename: string, blob: Blob): void {
  const href = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = href
  a.download = filename
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(href), 1000)
}

/** Saves text: Electron's save dialog when there is one (null when cancelled), else a download. */
export async function saveText(filename: string, text: string, mime = 'text/plain'): Promise<string | null> {
  if (window.lrlab) return window.lrlab.saveTextFile(filename, text)
  downloadBlob(filename, new Blob([text], { type: mime }))
  return filename
}

/** A file name from free text: letters, digits, dot, dash and underscore only. */
export function safeFileName(name: string, fallback = 'lrlab'): string {
  const s = name
    .trim()
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
  return s || fallback
}
