/**
 * Closing the window while runs train: ask whether to stop them or keep them, never lose one.
 * "Stop" stops each run (each trainer writes its final 'stopped' state before the app quits;
 * that waiting lives in the service's shutdown); "Keep training" leaves the window open.
 */
export interface CloseQuestion {
  type: 'question'
  title: string
  message: string
  detail: string
  buttons: string[]
  defaultId: number
  cancelId: number
}

export const CLOSE_CHOICES = ['stop-and-quit', 'keep-training'] as const
export type CloseChoice = (typeof CLOSE_CHOICES)[number]

/** null: nothing trains, close at once. Otherwise the question for dialog.showMessageBox. */
export function closeQuestion(liveRuns: { id: string; name: string }[]): CloseQuestion | null {
  if (!liveRuns.length) return null
  const n = liveRuns.length
  const names = liveRuns.slice(0, 5).map((r) => `• ${r.name === r.id ? r.id : `${r.name} (${r.id})`}`)
  if (n > 5) names.push(`• and ${n - 5} more`)
  return {
    type: 'question',
    title: 'Runs are training',
    message: n === 1 ? 'A run is still training.' : `${n} runs are still training.`,
    detail: `${names.join('\n')}\n\nStop saves what each run has so far and marks it stopped. Keep training leaves the window open.`,
    buttons: ['Stop runs and quit', 'Keep training'],
    defaultId: 1,
    cancelId: 1,
  }
}

/** The dialog's answer (a button index) as a choice; anything unexpected keeps the runs going. */
export function closeChoice(response: number): CloseChoice {
  return response === 0 ? 'stop-and-quit' : 'keep-training'
}
