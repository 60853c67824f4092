/**
 * Browser mode's notifications (the desktop app's come from its main process): a Web
 * Notification when a run finishes, diverges or fails, or a sweep ends, while the page is not
 * focused, once the user has allowed them. Clicking one brings the page forward and opens the
 * run (or the sweep's race).
 */
import { ServiceNotices } from '../../../shared/notifications'
import type { ClientApi } from './api-client'

export function notificationsSupported(): boolean {
  return typeof Notification !== 'undefined' && !window.lrlab
}

/** Ask once, from a user gesture (starting a run); browsers ignore requests made without one. */
export function askNotificationPermission(): void {
  if (notificationsSupported() && Notification.permission === 'default') void Notification.requestPermission()
}

export function startBrowserNotifications(api: ClientApi, nameOf: (runId: string) => string | undefined, open: { run(runId: string): void; sweep(sweepId: string): void }): () => void {
  if (!notificationsSupported()) return () => {}
  const notices = new ServiceNotices()
  return api.onEvent((e) => {
    const notice = notices.notice(e, document.hasFocus(), nameOf)
    if (!notice || Notification.permission !== 'granted') return
    const n = new Notification(notice.title, { body: notice.body, tag: `lrlab-${notice.runId ?? `sweep-${notice.sweepId}`}` })
    n.onclick = () => {
      window.focus()
      if (notice.runId !== undefined) open.run(notice.runId)
      else open.sweep(notice.sweepId)
      n.close()
    }
  })
}
