/**
 * The experiment builder in the built renderer through the real `serve`: the schedule
 * preview follows the form (warm restarts move with T0), presets fill the form, and a run
 * that diverges shows the banner with the step the trainer recorded.
 */
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunStore } from '../../electron/storage'
import { findPreset } from '../../shared/presets'
import { tempDir } from '../helpers/service'
import { ARTIFACTS, openApp, type ServeProcess } from './browser'

let serve: ServeProcess
let browser: Browser
let page: Page
const dataDir = tempDir('lrlab-ui-builder-')

beforeAll(async () => {
  ;({ serve, browser, page } = await openApp(dataDir))
})

afterAll(async () => {
  await browser?.close()
  await serve?.stop()
})

const attr = async (testId: string, name: string): Promise<string> => (await page.getByTestId(testId).getAttribute(name)) ?? ''

describe('builder', () => {
  it('previews a warm-restart schedule and moves the restarts when T0 changes', async () => {
    await page.getByTestId('epochs-input').fill('100')
    await page.getByTestId('schedule-select').selectOption('cosine-restarts')
    await page.getByTestId('schedule-stepUnit-input').selectOption('epoch')
    await page.getByTestId('schedule-t0-input').fill('10')
    await expect.poll(() => attr('schedule-preview', 'data-markers')).toBe('10,20,30,40,50,60,70,80,90')
    expect(await attr('schedule-preview', 'data-points')).toBe('100')

    await page.getByTestId('schedule-t0-input').fill('25')
    await expect.poll(() => attr('schedule-preview', 'data-markers')).toBe('25,50,75')

    // An invalid T0 names the field and disables Start.
    await page.getByTestId('schedule-t0-input').fill('0')
    await expect.poll(() => page.getByTestId('start-disabled-reason').textContent()).toMatch(/t0/)
    expect(await page.getByTestId('start-button').isDisabled()).toBe(true)
    await page.getByTestId('schedule-t0-input').fill('25')
    await page.screenshot({ path: join(ARTIFACTS, 'ui-builder-restarts.png') })
  })

  it('takes one typed milestone as a one-milestone MultiStepLR', async () => {
    await page.getByTestId('epochs-input').fill('100')
    await page.getByTestId('schedule-select').selectOption('multistep')
    const milestones = page.getByTestId('schedule-milestones-input')
    // Was refused with "milestones must be a list of step numbers".
    await milestones.fill('30')
    await expect.poll(() => page.getByTestId('start-button').isDisabled()).toBe(false)
    expect(await page.getByText('milestones must be a list').count()).toBe(0)
    await page.screenshot({ path: join(ARTIFACTS, 'ui-builder-one-milestone.png') })
    await page.setViewportSize({ width: 1024, height: 700 })
    await page.screenshot({ path: join(ARTIFACTS, 'ui-builder-one-milestone-1024.png') })
    await page.setViewportSize({ width: 1280, height: 800 })
    // Nonsense still names the field and blocks Start.
    await milestones.fill('thirty')
    await expect.poll(() => page.getByTestId('start-disabled-reason').textContent()).toMatch(/milestones/)
    await milestones.fill('30, 60')
    await expect.poll(() => page.getByTestId('start-button').isDisabled()).toBe(false)
    await page.getByTestId('schedule-select').selectOption('constant')
  })

  it('fills the form from a preset and shows the divergence banner with its step', async () => {
    const preset = findPreset('article-too-large')
    if (preset) {
      // Presets are open on a first visit.
      expect(await page.getByTestId('presets').getAttribute('open')).not.toBeNull()
      await page.getByTestId(`preset-${preset.name}`).click()
      await expect.poll(() => page.getByTestId('lr-input').inputValue()).toBe('0.05')
      expect(await page.getByTestId('schedule-select').inputValue()).toBe('constant')
    } else {
      await page.getByTestId('schedule-select').selectOption('constant')
      await page.getByTestId('lr-input').fill('0.05')
      await page.getByTestId('validation-split-input').fill('0')
      await page.getByTestId('epochs-input').fill('100')
    }
    await page.getByTestId('start-button').click()
    const banner = page.getByTestId('divergence-banner')
    await banner.waitFor({ timeout: 30_000 })
    const runs = new RunStore(dataDir).list()
    expect(runs).toHaveLength(1)
    const manifest = new RunStore(dataDir).load(runs[0]!.id).manifest
    expect(manifest.status).toBe('diverged')
    const step = manifest.summary.divergedAtStep
    expect(step).not.toBeNull()
    await expect.poll(() => banner.textContent(), { timeout: 10_000 }).toContain(`at step ${step}`)
    expect(await page.getByTestId('status-text').textContent()).toBe('diverged')
    await page.screenshot({ path: join(ARTIFACTS, 'ui-builder-diverged.png') })
  })
})
