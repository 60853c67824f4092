/**
 * Errors keep their code over Electron IPC: the main process answers every API call with an
 * IpcReply, and the page's Electron client throws it as the WebSocket client does, so "not
 * found" and "conflict" mean the same in both shells (Electron itself would keep only the message).
 */
import { describe, expect, it } from 'vitest'
import { ApiError, ipcReply, ServiceError, unwrapReply } from '../../shared/api'

async function thrownBy(call: () => unknown): Promise<ServiceError> {
  try {
    unwrapReply(await ipcReply(call))
  } catch (e) {
    return e as ServiceError
  }
  throw new Error('expected a throw')
}

describe('API calls over Electron IPC', () => {
  it('hand a value back as it is', async () => {
    const reply = await ipcReply(async () => ({ runId: 'r1' }))
    expect(reply).toEqual({ ok: true, value: { runId: 'r1' } })
    expect(unwrapReply(reply)).toEqual({ runId: 'r1' })
  })

  it('throw the service’s error in the page with its message and code', async () => {
    const e = await thrownBy(async () => {
      throw new ApiError('no run 20260101-000000-abcd', 'not-found')
    })
    expect(e).toBeInstanceOf(ServiceError)
    expect([e.message, e.code]).toEqual(['no run 20260101-000000-abcd', 'not-found'])
    expect((await thrownBy(() => JSON.parse('{'))).code).toBe('bad-request')
    expect((await thrownBy(() => Promise.reject(new Error('disk full')))).code).toBe('internal')
  })
})
