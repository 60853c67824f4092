/**
 * Browser mode's run notifications (the desktop app's come from its main process): a Web
 * Notification when a run finishes, diverges or fails while the page is not focused, once
 * the user has allowed them. Clicking one brings the page forward and opens the run.
 */
import { runNotice, StatusTracker } from '../../../shared/notifications'
import type { ClientApi } from './api-client'

export function notificationsSupported(): boolean {
  return typeof Notification !== 'undefined' && !window.lrlab
}

/** Ask once, from a user gesture (starting a run); browsers ignore requests made without one. */
export function askNotificationPermission(): void {
  if (notificationsSupported() && Notification.permission === 'default') void Notification.requestPermission()
}

export function startBrowserNotifications(api: ClientApi, nameOf: (runId: string) => string | undefined, openRun: (runId: string) => void): () => void {
  if (!notificationsSupported()) return () => {}
  const tracker = new StatusTracker()
  return api.onEvent((e) => {
    if (e.type !== 'status') return
    const before = tracker.change(e.runId, e.status)
    const notice = runNotice({ runId: e.runId, name: nameOf(e.runId), before, after: e.status, message: e.message }, document.hasFocus())
    if (!notice || Notification.permission !== 'granted') return
    const n = new Notification(notice.title, { body: notice.body, tag: `lrlab-${notice.runId}` })
    n.onclick = () => {
      window.focus()
      openRun(notice.runId)
      n.close()
    }
  })
}
